/**
 * The backend leg: a routed login tries the user's backends in order on the client's event loop; each attempt
 * connects, speaks implicit TLS or STARTTLS (RFC 2595) when the backend's pool says so, checks the greeting, logs
 * in with the client's credentials (AUTHENTICATE PLAIN with SASL-IR per RFC 4959, else LOGIN per RFC 9051) and
 * learns the post-login capabilities. The next backend is tried only when one fails before the credentials were
 * sent. Active health checks connect through the same pipeline.
 */
package dev.postern.backend;
