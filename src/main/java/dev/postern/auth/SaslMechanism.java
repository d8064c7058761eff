package dev.postern.auth;

/**
 * One SASL mechanism Postern accepts from clients. A mechanism only turns client responses into credentials;
 * IMAP framing, the {@code *} cancel and the login itself are done around it.
 */
public interface SaslMechanism {

    /** The upper-case name, as in {@code AUTH=<name>} and {@code AUTHENTICATE <name>}. */
    String name();

    /**
     * Whether the mechanism is advertised and accepted. Mechanisms that carry a password in the clear (all of
     * today's) are offered only once login is allowed, never before TLS on a listener that requires it.
     */
    default boolean offered(boolean loginAllowed) {
        return loginAllowed;
    }

    /** A fresh exchange for one AUTHENTICATE command. */
    SaslExchange newExchange();
}
