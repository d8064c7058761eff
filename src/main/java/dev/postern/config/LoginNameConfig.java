package dev.postern.config;

import java.util.List;
import java.util.Map;

/**
 * How a login name becomes a route key (and the key rendezvous hashing uses).
 *
 * @param lowercase fold to lower case
 * @param defaultDomain appended as {@code @domain} to names without one; null for none
 * @param stripDomains {@code @domain} suffixes removed from names (compared case-insensitively)
 * @param sendNormalized send the normalized name to the backend instead of the name as typed
 */
public record LoginNameConfig(boolean lowercase, String defaultDomain, List<String> stripDomains, boolean sendNormalized) {

    /** {@code routes.login_names:}: name and default of each key. */
    static final ConfigSection<LoginNameConfig> SECTION = ConfigSection.of(LoginNameConfig.class,
            ConfigKey.flag("lowercase", true),
            ConfigKey.text("default_domain", null, d -> d.isBlank() || d.contains("@")
                    ? "'" + d + "' (expected: a domain such as example.org)" : null),
            ConfigKey.list("strip_domains", String::strip),
            ConfigKey.flag("send_normalized", false));

    public static final LoginNameConfig DEFAULTS = SECTION.defaults();

    public LoginNameConfig {
        stripDomains = List.copyOf(stripDomains);
    }

    /** By key name, as under {@code routes.login_names:} in the file; unset keys get defaults. */
    public static LoginNameConfig of(Map<String, ?> values) {
        return SECTION.of("login_names", values);
    }
}
