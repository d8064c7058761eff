package dev.postern.config;

import java.time.Duration;
import java.util.Map;

/**
 * {@code limits.penalty}: how the failure delay grows. Each further failed login within {@code window} doubles the
 * delay, per client address up to {@code maxDelay} and per user (across addresses) up to {@code maxUserDelay}; the
 * lower per-user ceiling slows a guesser without locking the real user out. A ceiling below
 * {@code limits.failure_delay} means no growth: every failure still waits the failure delay.
 *
 * @param maxDelay     ceiling of the per-address delay
 * @param window       a failure is forgotten this long after the last one (from that address, for that user)
 * @param maxUserDelay ceiling of the per-user delay
 */
public record PenaltyConfig(Duration maxDelay, Duration window, Duration maxUserDelay) {

    /** {@code limits.penalty:}: name, default and lower bound of each key. */
    static final ConfigSection<PenaltyConfig> SECTION = ConfigSection.of(PenaltyConfig.class,
            ConfigKey.duration("max_delay", Duration.ofSeconds(15), Duration.ZERO),
            ConfigKey.duration("window", Duration.ofMinutes(10), Duration.ofSeconds(1)),
            ConfigKey.duration("max_user_delay", Duration.ofSeconds(4), Duration.ZERO));

    public static final PenaltyConfig DEFAULTS = SECTION.defaults();

    /** By key name, as under {@code penalty:} in the file ({@code max_delay: 15s}); unset keys get defaults. */
    public static PenaltyConfig of(Map<String, ?> values) {
        return SECTION.of("penalty", values);
    }
}
