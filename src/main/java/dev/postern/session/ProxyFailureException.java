package dev.postern.session;

/** A {@link ProxyFailure} with an operator-facing detail (never credentials); stackless, as it is expected. */
public final class ProxyFailureException extends Exception {
    private final ProxyFailure failure;

    public ProxyFailureException(ProxyFailure failure, String detail) {
        super(detail, null, false, false);
        this.failure = failure;
    }

    public ProxyFailureException(ProxyFailure failure, String detail, Throwable cause) {
        super(detail, cause, false, false);
        this.failure = failure;
    }

    public ProxyFailure failure() {
        return failure;
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
