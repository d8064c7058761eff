package dev.postern.config;

import java.util.Map;

/**
 * {@code logging:}: how log lines are written. {@code text} is one human line per event; {@code json} one JSON
 * object per line (Logback's JSON encoder), whose key-value pairs carry the session log's fields.
 */
public record LoggingConfig(Format format) {

    public enum Format { TEXT, JSON }

    static final ConfigSection<LoggingConfig> SECTION = ConfigSection.of(LoggingConfig.class,
            ConfigKey.choice("format", Format.class, Format.TEXT));

    public static final LoggingConfig DEFAULTS = SECTION.defaults();

    /** By key name, as under {@code logging:} in the file. */
    public static LoggingConfig of(Map<String, ?> values) {
        return SECTION.of("logging", values);
    }
}
