package dev.postern.auth;

import dev.postern.imap.Credentials;

/** What one step of a SASL exchange leads to. */
public sealed interface SaslStep {

    /** Send {@code + <base64>} and wait for the client's next response. */
    record Challenge(String base64) implements SaslStep {
    }

    /** The exchange is complete: these credentials go to a backend. */
    record Authenticated(Credentials credentials) implements SaslStep {
    }

    /**
     * The exchange ends without credentials (bad base64, a malformed message): a failed login, answered BAD after
     * the failure delay. {@code text} is safe to show the client and to log.
     */
    record Failed(String text) implements SaslStep {
    }

    /** The client cancelled with {@code *} (RFC 9051 6.2.2): BAD at once; no password was tried, so no failure. */
    record Cancelled() implements SaslStep {
    }
}
