/**
 * Verifying OAuth 2.0 bearer tokens in Postern ({@code auth.oauth}): signed JWTs against a key set, or RFC 7662
 * introspection. The user a token names is then logged in on its backend through the pool's master user.
 */
package dev.postern.oauth;
