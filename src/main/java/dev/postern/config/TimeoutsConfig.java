package dev.postern.config;

import java.time.Duration;
import java.util.Map;

/**
 * Every timer of a session. Each key's default and bound live in {@link #SECTION} and nowhere else.
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

    /** RFC 9051 section 5.4: the autologout timer is at least 30 minutes. */
    public static final Duration MIN_POST_LOGIN_IDLE = Duration.ofMinutes(30);

    private static final Duration MS = Duration.ofMillis(1);

    /** {@code timeouts:}: name, default and lower bound of each key. */
    static final ConfigSection<TimeoutsConfig> SECTION = ConfigSection.of(TimeoutsConfig.class,
            ConfigKey.duration("tls_handshake", Duration.ofSeconds(10), MS),
            ConfigKey.duration("pre_auth_idle", Duration.ofSeconds(60), MS),
            ConfigKey.duration("login", Duration.ofMinutes(3), MS),
            ConfigKey.duration("backend_connect", Duration.ofSeconds(5), MS),
            ConfigKey.duration("backend_login", Duration.ofSeconds(30), MS),
            ConfigKey.duration("post_login_idle", Duration.ofMinutes(31), MIN_POST_LOGIN_IDLE),
            ConfigKey.duration("shutdown_drain", Duration.ofSeconds(30), Duration.ZERO));

    public static final TimeoutsConfig DEFAULTS = SECTION.defaults();

    /** By key name, as under {@code timeouts:} in the file ({@code login: 3m}); unset keys get defaults. */
    public static TimeoutsConfig of(Map<String, ?> values) {
        return SECTION.of("timeouts", values);
    }
}
