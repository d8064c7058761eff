package dev.postern.session;

/**
 * Why a login through Postern did not complete. One value drives the client's reply, the log line and the
 * metric tag.
 */
public enum ProxyFailure {
    /** No backend could be reached (refused, unreachable, closed early). */
    CONNECT("[UNAVAILABLE] Backend server unavailable, try again later"),
    /** TLS to the backend failed (handshake, verification). */
    TLS("[UNAVAILABLE] Backend server unavailable, try again later"),
    /** The backend said something that is not IMAP as expected. */
    PROTOCOL("[UNAVAILABLE] Backend server unavailable, try again later"),
    /** The credentials were refused (or no route exists for the user: the same reply, so users cannot be enumerated). */
    AUTH_REJECTED("[AUTHENTICATIONFAILED] Authentication failed."),
    /** A route or authentication service failed for now. */
    AUTH_TEMPFAIL("[UNAVAILABLE] Temporary authentication failure, try again later"),
    /** A backend or a lookup took too long. */
    TIMEOUT("[UNAVAILABLE] Backend server timed out, try again later"),
    /** A limit of Postern's was reached. */
    LIMIT("[LIMIT] Too many requests, try again later"),
    /** A bug or an unexpected state in Postern. */
    INTERNAL("[SERVERBUG] Internal error, try again later");

    private final String clientText;

    ProxyFailure(String clientText) {
        this.clientText = clientText;
    }

    /** Text after {@code tag NO } for the client. */
    public String clientText() {
        return clientText;
    }

    /** Whether another backend of the pool may do better. */
    public boolean tryNextBackend() {
        return this == CONNECT || this == TLS || this == PROTOCOL || this == TIMEOUT;
    }

    public String tag() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
