package dev.postern.frontend;

import dev.postern.auth.SaslExchange;

/**
 * Where one pre-auth session stands. {@link PreAuthHandler} holds the only instance and is the only code that
 * changes it; what a state needs (the tag of an AUTHENTICATE, the login in flight) travels with it. The client
 * is read in every state but {@link LoggingIn} and {@link Delaying}, whose {@link LoginInFlight} and
 * {@link DelayedFailure} pause and resume reading.
 */
sealed interface PreAuthState {
    PreAuthState COMMANDS = new Commands();
    PreAuthState DONE = new Done();

    /** Reading and answering commands. */
    record Commands() implements PreAuthState {
    }

    /** An AUTHENTICATE whose challenge was sent: the next line is the client's response (or {@code *}). */
    record Authenticating(String tag, SaslExchange exchange) implements PreAuthState {
    }

    /**
     * A bearer token was refused and its error continuation sent (RFC 7628 3.2.2): the client's next line is its
     * dummy reply, after which {@code answer} sends the tagged NO.
     */
    record TokenRefused(String tag, Runnable answer) implements PreAuthState {
    }

    /** Credentials are with a backend; the client is not read until the answer. */
    record LoggingIn(LoginInFlight login) implements PreAuthState {
    }

    /** A failed login's reply waits out its failure delay; the client is not read until it is sent. */
    record Delaying(DelayedFailure failure) implements PreAuthState {
    }

    /** Logged out, closing, closed or handed off: nothing more is read or answered. */
    record Done() implements PreAuthState {
    }
}
