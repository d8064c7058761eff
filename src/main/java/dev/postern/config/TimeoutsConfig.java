package dev.postern.config;

import java.time.Duration;

/**
 * Every timer of a session. Defaults live here and nowhere else.
 *
 * @param tlsHandshake client TLS handshake (implicit or after STARTTLS)
 * @param preAuthIdle silence allowed between pre-auth commands
 * @param login from connect to a logged-in session, whatever the client does
 * @param backendConnect TCP connect to one backend
 * @param backendLogin from backend connect to its tagged reply to our login
 * @param postLoginIdle silence allowed in both directions once relaying (IMAP autologout is 30 min)
 * @param shutdownDrain how long relayed sessions may run on after SIGTERM
 */
public record TimeoutsConfig(Duration tlsHandshake, Duration preAuthIdle, Duration login, Duration backendConnect,
                             Duration backendLogin, Duration postLoginIdle, Duration shutdownDrain) {

    public static final TimeoutsConfig DEFAULTS = new TimeoutsConfig(
            Duration.ofSeconds(10), Duration.ofSeconds(60), Duration.ofMinutes(3), Duration.ofSeconds(5),
            Duration.ofSeconds(30), Duration.ofMinutes(31), Duration.ofSeconds(30));

    /** RFC 9051 section 5.4: the autologout timer is at least 30 minutes. */
    public static final Duration MIN_POST_LOGIN_IDLE = Duration.ofMinutes(30);
}
