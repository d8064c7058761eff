package dev.postern.config;

import java.nio.file.Path;
import java.util.Objects;

/**
 * {@code pools.<name>.master}: the pool's master user, with which Postern logs in as a user it has authenticated
 * itself (a verified token, an authenticating auth_http answer) on backends that know nothing of OAuth. Never used
 * for a client's own claim.
 *
 * @param passwordFile the master password, one line (read at start and on reload, never logged)
 * @param style {@code authzid}: AUTHENTICATE PLAIN with the user as authorization identity and the master as
 *              authentication identity (Dovecot, Cyrus); {@code separator}: LOGIN {@code user<separator>master}
 * @param separator between user and master in the separator style (Dovecot's {@code auth_master_user_separator})
 */
public record MasterConfig(String user, Path passwordFile, Style style, String separator) {

    public enum Style { AUTHZID, SEPARATOR }

    static final ConfigSection<MasterConfig> SECTION = ConfigSection.of(MasterConfig.class,
            ConfigKey.text("user", null, MasterConfig::oneWord).required("missing (the master user's name)"),
            ConfigKey.path("password_file").required("missing (a file holding the master password)"),
            ConfigKey.choice("style", Style.class, Style.AUTHZID),
            ConfigKey.text("separator", "*", MasterConfig::oneWord));

    public MasterConfig {
        Objects.requireNonNull(user, "user");
        Objects.requireNonNull(passwordFile, "passwordFile");
        Objects.requireNonNull(style, "style");
        Objects.requireNonNull(separator, "separator");
    }

    /** {@code master:} under a pool; null when absent. */
    static MasterConfig read(ConfigNode pool, String key, MasterConfig fallback) {
        return pool.has(key) ? SECTION.read(pool.child(key)) : fallback;
    }

    private static String oneWord(String value) {
        return value.isEmpty() || value.chars().anyMatch(c -> c <= ' ' || c == 0x7f)
                ? "must be non-empty, without spaces or control characters" : null;
    }

    @Override
    public String toString() {
        return "MasterConfig[user=" + user + ", passwordFile=" + passwordFile + ", style=" + style + "]";
    }
}
