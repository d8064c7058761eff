/**
 * What every phase of a session shares: the session's identity and client address, the one failure type,
 * the narrow seam through which the front end asks for a logged-in backend, and the exact capped counts behind the
 * per-address, per-user and per-backend limits.
 */
package dev.postern.session;
