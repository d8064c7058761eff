package dev.postern.imap;

/** What {@link ImapCommandFramer} emits besides complete {@link CommandFrame}s. */
public sealed interface FramerEvent {

    /** A synchronizing literal announced: the handler decides to send {@code + } (RFC 9051 7.5). */
    record LiteralAnnounced(String tag, int size) implements FramerEvent {
    }

    /** One raw line sent in answer to a {@code + } of AUTHENTICATE (a SASL response, or {@code *}). */
    record ClientResponse(byte[] line) implements FramerEvent {
        @Override
        public String toString() {
            return "ClientResponse[" + line.length + " bytes]";
        }
    }

    /** A bound was crossed or the framing is broken; the framer discards everything after this. */
    record Violation(Kind kind, String tag, String text) implements FramerEvent {
    }

    /** PREAUTH_MEMORY: the memory budget of all connections not logged in would be exceeded. */
    enum Kind { LINE_TOO_LONG, LITERAL_TOO_LARGE, TOO_MANY_LITERALS, BAD_LITERAL, PIPELINE_TOO_LARGE, PREAUTH_MEMORY }
}
