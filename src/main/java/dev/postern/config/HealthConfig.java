package dev.postern.config;

import java.time.Duration;

/**
 * Active health checks of a pool's backends: every {@code interval}, connect and expect an {@code * OK} greeting
 * within {@code timeout}; {@code rise} successes in a row mark a backend up, {@code fall} failures down.
 * Connect and greeting failures of real logins count as failures too (passive checks).
 */
public record HealthConfig(boolean enabled, Duration interval, Duration timeout, int rise, int fall) {
    public static final HealthConfig DEFAULTS = new HealthConfig(true, Duration.ofSeconds(5), Duration.ofSeconds(3), 2, 2);
}
