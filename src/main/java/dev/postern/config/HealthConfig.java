package dev.postern.config;

import java.time.Duration;
import java.util.Map;

/**
 * Active health checks of a pool's backends: every {@code interval}, connect and expect an {@code * OK} greeting
 * within {@code timeout}; {@code rise} successes in a row mark a backend up, {@code fall} failures down.
 * Connect and greeting failures of real logins count as failures too (passive checks).
 */
public record HealthConfig(boolean enabled, Duration interval, Duration timeout, int rise, int fall) {

    /** {@code pools.<name>.health:}: name, default and bounds of each key. */
    static final ConfigSection<HealthConfig> SECTION = ConfigSection.of(HealthConfig.class,
            ConfigKey.flag("enabled", true),
            ConfigKey.duration("interval", Duration.ofSeconds(5), Duration.ofMillis(100)),
            ConfigKey.duration("timeout", Duration.ofSeconds(3), Duration.ofMillis(10)),
            ConfigKey.whole("rise", 2, 1, 100),
            ConfigKey.whole("fall", 2, 1, 100));

    public static final HealthConfig DEFAULTS = SECTION.defaults();

    /** By key name, as under {@code health:} in the file ({@code interval: 5s}); unset keys get defaults. */
    public static HealthConfig of(Map<String, ?> values) {
        return SECTION.of("health", values);
    }
}
