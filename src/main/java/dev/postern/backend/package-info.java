/**
 * The backend leg: connects on the client's event loop, speaks implicit TLS or STARTTLS (RFC 2595) when the
 * backend's pool says so, checks the greeting, logs in with the client's
 * credentials (AUTHENTICATE PLAIN with SASL-IR per RFC 4959, else LOGIN per RFC 9051) and learns the
 * post-login capabilities; tries the next backend of the user's order when one cannot be reached.
 */
package dev.postern.backend;
