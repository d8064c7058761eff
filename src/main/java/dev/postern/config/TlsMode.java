package dev.postern.config;

/** How a listener (or, later, a backend pool) speaks TLS. */
public enum TlsMode {
    /** TLS from the first byte (port 993, RFC 8314). */
    IMPLICIT,
    /** Plain IMAP upgraded by the STARTTLS command (port 143, RFC 2595). */
    STARTTLS,
    /** Plain IMAP only; for trusted networks and tests. */
    NONE
}
