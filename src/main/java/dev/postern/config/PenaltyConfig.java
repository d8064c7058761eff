package dev.postern.config;

import java.time.Duration;

/**
 * {@code limits.penalty}: how the failure delay grows. Each further failed login within {@code window} doubles the
 * delay, per client address up to {@code maxDelay} and per user (across addresses) up to {@code maxUserDelay}; the
 * lower per-user ceiling slows a guesser without locking the real user out.
 *
 * @param maxDelay     ceiling of the per-address delay
 * @param window       a failure is forgotten this long after the last one (from that address, for that user)
 * @param maxUserDelay ceiling of the per-user delay
 */
public record PenaltyConfig(Duration maxDelay, Duration window, Duration maxUserDelay) {

    public static final PenaltyConfig DEFAULTS =
            new PenaltyConfig(Duration.ofSeconds(15), Duration.ofMinutes(10), Duration.ofSeconds(4));
}
