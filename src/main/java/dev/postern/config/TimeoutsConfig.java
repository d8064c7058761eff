package dev.postern.config;

import java.time.Duration;
import java.util.Map;

/**
 * Every timer of a session. Each key's default and bound live in {@link #SECTION} and nowhere else.
 *
 * @param proxyHeader from accept to a whole PROXY protocol header, on a connection from a trusted load balancer
 * @param tlsHandshake client TLS handshake (implicit or after STARTTLS)
 * @param preAuthIdle silence allowed between pre-auth commands
 * @param preAuth from connect until a LOGIN or AUTHENTICATE has arrived, in all: bytes and NOOPs do not extend it
 * @param login from a LOGIN or AUTHENTICATE command to the login's answer (our own work on it)
 * @param backendConnect TCP connect to one backend
 * @param backendLogin from backend connect to its tagged reply to our login
 * @param postLoginIdle silence allowed in both directions once relaying (IMAP autologout is 30 min)
 * @param shutdownDrain how long relayed sessions may run on after SIGTERM
 */
public record TimeoutsConfig(Duration proxyHeader, Duration tlsHandshake, Duration preAuthIdle, Duration preAuth, Duration login,
                             Duration backendConnect, Duration backendLogin, Duration postLoginIdle,
                             Duration shutdownDrain) {

    /** RFC 9051 section 5.4: the autologout timer is at least 30 minutes. */
    public static final Duration MIN_POST_LOGIN_IDLE = Duration.ofMinutes(30);

    private static final Duration MS = Duration.ofMillis(1);

    /** {@code timeouts:}: name, default and lower bound of each key. */
    static final ConfigSection<TimeoutsConfig> SECTION = ConfigSection.of(TimeoutsConfig.class,
            ConfigKey.duration("proxy_header", Duration.ofSeconds(5), MS),
            ConfigKey.duration("tls_handshake", Duration.ofSeconds(10), MS),
            ConfigKey.duration("pre_auth_idle", Duration.ofSeconds(60), MS),
            ConfigKey.duration("pre_auth", Duration.ofSeconds(60), MS),
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
