/**
 * SASL mechanisms a client may use in IMAP AUTHENTICATE (RFC 4422, RFC 9051 6.2.2, SASL-IR per RFC 4959) behind
 * one small interface: PLAIN (RFC 4616) and LOGIN (draft-murchison-sasl-login), listed in {@link
 * dev.postern.auth.SaslMechanisms}; and how long a failed login waits for its reply ({@link
 * dev.postern.auth.LoginPenalties}: one failure delay for every kind of failure, grown per address and per user).
 */
package dev.postern.auth;
