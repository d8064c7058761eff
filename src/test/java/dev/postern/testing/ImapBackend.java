package dev.postern.testing;

/** A real IMAP server a test started (Dovecot, Cyrus, Courier): where it listens, what it logged, how to stop it. */
public interface ImapBackend extends AutoCloseable {
    /** The loopback address it listens on. */
    String host();

    /** Its plain IMAP port (STARTTLS where it offers TLS). */
    int port();

    /** Its implicit-TLS port; only for a server started with TLS. */
    int tlsPort();

    /** The end of its log, for failure messages. */
    String logTail();

    @Override
    void close();
}
