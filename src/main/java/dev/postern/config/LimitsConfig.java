package dev.postern.config;

/**
 * Every bound a client meets before it has logged in. Defaults live here and nowhere else.
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

    public static final LimitsConfig DEFAULTS =
            new LimitsConfig(65_536, 65_536, 8, 100, 10, 3, 262_144, 65_536);
}
