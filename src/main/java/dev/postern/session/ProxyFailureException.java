package dev.postern.session;

/**
 * A {@link ProxyFailure} with an operator-facing detail (never credentials); stackless, as it is expected. A
 * failure after the client's credentials reached a backend says so: it belongs to that login alone (no other
 * backend is tried with the password, the backend's health is not blamed).
 */
public final class ProxyFailureException extends Exception {
    private final ProxyFailure failure;
    private final boolean credentialsSent;

    public ProxyFailureException(ProxyFailure failure, String detail) {
        this(failure, detail, null, false);
    }

    public ProxyFailureException(ProxyFailure failure, String detail, Throwable cause) {
        this(failure, detail, cause, false);
    }

    /** @param credentialsSent whether the client's credentials had been written to a backend when this happened */
    public ProxyFailureException(ProxyFailure failure, String detail, Throwable cause, boolean credentialsSent) {
        super(detail, cause, false, false);
        this.failure = failure;
        this.credentialsSent = credentialsSent;
    }

    public ProxyFailure failure() {
        return failure;
    }

    /** Whether the client's credentials had been written to a backend when this failure happened. */
    public boolean credentialsSent() {
        return credentialsSent;
    }

    /** Wraps any throwable: a ProxyFailureException stays itself, anything else becomes {@code fallback}. */
    public static ProxyFailureException of(Throwable t, ProxyFailure fallback, String detail) {
        Throwable cause = t;
        while (cause instanceof java.util.concurrent.CompletionException && cause.getCause() != null) {
            cause = cause.getCause();
        }
        if (cause instanceof ProxyFailureException p) {
            return p;
        }
        return new ProxyFailureException(fallback, detail + ": " + cause, cause);
    }
}
