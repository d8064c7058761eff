/**
 * What every phase of a session shares: the session's identity and client address, the one failure type,
 * and the narrow seam through which the front end asks for a logged-in backend.
 */
package dev.postern.session;
