/**
 * The client side before login: implicit TLS (RFC 8314) or STARTTLS (RFC 2595) pipelines and the pre-auth IMAP
 * state machine of RFC 9051 / RFC 3501 (CAPABILITY, NOOP, ID per RFC 2971, STARTTLS, LOGIN, AUTHENTICATE with
 * SASL-IR per RFC 4959 and the mechanisms of {@code dev.postern.auth}, LOGOUT), with every pre-auth bound enforced.
 */
package dev.postern.frontend;
