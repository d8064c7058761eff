package dev.postern.config;

import java.time.Duration;
import java.util.List;
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
 * @param maxConnections client connections over all listeners together
 * @param maxConnectionsPerIp client connections from one address (an IPv6 client: from its {@code ipv6Prefix})
 * @param ipv6Prefix how many leading bits of an IPv6 client's address count as one client
 * @param exempt client networks free of the per-address caps and penalties (monitoring, webmail)
 * @param maxSessionsPerUser logged-in sessions of one user (by route key) on this instance
 * @param failureDelay how long after its command every failed login is answered (zero: at once, no penalties)
 * @param penalty how the failure delay grows with further failures, per address and per user
 * @param preauthMemory octets all connections not logged in may make Postern hold together (pending lines and
 *                      literals); a connection that would exceed it gets BAD and BYE
 */
public record LimitsConfig(int maxLineBytes, int maxLiteralBytes, int maxLiterals, int maxCommands,
                           int maxBadCommands, int maxLoginAttempts, int maxPipelinedBytes, int maxBackendLineBytes,
                           int maxConnections, int maxConnectionsPerIp, int ipv6Prefix, List<Cidr> exempt,
                           int maxSessionsPerUser, Duration failureDelay, PenaltyConfig penalty, int preauthMemory) {

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
            ConfigKey.bytes("max_backend_line_bytes", 65_536, 1024, 16 * MIB),
            ConfigKey.whole("max_connections", 10_000, 1, 10_000_000),
            ConfigKey.whole("max_connections_per_ip", 50, 1, 10_000_000),
            // a /32 is a whole provider; below that one "client" would be a continent
            ConfigKey.whole("ipv6_prefix", 64, 32, 128),
            ConfigKey.list("exempt", Cidr::parse),
            ConfigKey.whole("max_sessions_per_user", 50, 1, 10_000_000),
            ConfigKey.duration("failure_delay", Duration.ofSeconds(2), Duration.ZERO),
            ConfigKey.section("penalty", PenaltyConfig.SECTION),
            ConfigKey.bytes("preauth_memory", 64 * MIB, 64 * 1024, Integer.MAX_VALUE));

    public LimitsConfig {
        exempt = List.copyOf(exempt);
    }

    public static final LimitsConfig DEFAULTS = SECTION.defaults();

    /** {@link #exempt} as a set to test client addresses against. */
    public ClientAddressSet exemptAddresses() {
        return ClientAddressSet.of(exempt);
    }

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
