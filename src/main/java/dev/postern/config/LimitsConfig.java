package dev.postern.config;

import java.util.Map;

/**
 * Every bound a client meets before it has logged in. Each key's default and bounds live in {@link #SECTION} and
 * nowhere else.
 *
 * @param maxLineBytes longest command line (without literals); an RFC 2971 ID line of 30 full pairs fits
 * @param maxLiteralBytes largest literal in a pre-auth command
 * @param maxLiterals most literals in one pre-auth command
 * @param maxCommands most commands before a successful login
 * @param maxBadCommands most rejected commands (BAD) before the connection is closed
 * @param maxLoginAttempts most failed logins on one connection
 * @param maxPipelinedBytes most bytes a client may send after LOGIN before the login completes
 * @param maxBackendLineBytes longest line accepted from a backend before hand-off
 */
public record LimitsConfig(int maxLineBytes, int maxLiteralBytes, int maxLiterals, int maxCommands,
                           int maxBadCommands, int maxLoginAttempts, int maxPipelinedBytes, int maxBackendLineBytes) {

    private static final int MIB = 1024 * 1024;

    /** {@code limits:}: name, default and bounds of each key. */
    static final ConfigSection<LimitsConfig> SECTION = ConfigSection.of(LimitsConfig.class,
            // 32 KiB is the floor: a full RFC 2971 ID command (30 pairs of 30 + 1024 octets) must fit in one line.
            ConfigKey.bytes("max_line_bytes", 65_536, 32_768, 16 * MIB),
            ConfigKey.bytes("max_literal_bytes", 65_536, 1, 16 * MIB),
            ConfigKey.whole("max_literals", 8, 1, 1000),
            ConfigKey.whole("max_commands", 100, 1, 1_000_000),
            ConfigKey.whole("max_bad_commands", 10, 1, 1_000_000),
            ConfigKey.whole("max_login_attempts", 3, 1, 1000),
            ConfigKey.bytes("max_pipelined_bytes", 262_144, 1024, 64 * MIB),
            ConfigKey.bytes("max_backend_line_bytes", 65_536, 1024, 16 * MIB));

    public static final LimitsConfig DEFAULTS = SECTION.defaults();

    /** By key name, as under {@code limits:} in the file ({@code max_line_bytes: 64KiB}); unset keys get defaults. */
    public static LimitsConfig of(Map<String, ?> values) {
        return SECTION.of("limits", values);
    }

    /**
     * This with {@code changes} by key name ({@code max_line_bytes: 64}), without the bounds an operator must keep:
     * for tests that drive the framer with tiny limits. Configuration files always go through {@link #of}'s checks.
     */
    public LimitsConfig with(Map<String, ?> changes) {
        return SECTION.with(this, changes);
    }
}
