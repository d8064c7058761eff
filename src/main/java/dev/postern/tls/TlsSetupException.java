package dev.postern.tls;

/** A certificate or key that cannot be used; the message names the file and the cause. */
public final class TlsSetupException extends Exception {
    public TlsSetupException(String message, Throwable cause) {
        super(message, cause);
    }
}
