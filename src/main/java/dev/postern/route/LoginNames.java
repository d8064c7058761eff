package dev.postern.route;

import dev.postern.config.LoginNameConfig;
import java.util.Locale;

/**
 * Login name to route key, as configured: trimmed, lower-cased, a default domain appended or listed domains
 * stripped. "Alice@Example.org" and "alice@example.org" then share a route, a cache entry and a backend.
 */
public final class LoginNames {
    private final LoginNameConfig config;

    public LoginNames(LoginNameConfig config) {
        this.config = config;
    }

    public static final LoginNames DEFAULT = new LoginNames(LoginNameConfig.DEFAULTS);

    public String key(String loginName) {
        String name = loginName.strip();
        if (config.lowercase()) {
            name = name.toLowerCase(Locale.ROOT);
        }
        for (String domain : config.stripDomains()) {
            String suffix = "@" + domain;
            if (name.length() > suffix.length() && name.regionMatches(true, name.length() - suffix.length(), suffix, 0, suffix.length())) {
                name = name.substring(0, name.length() - suffix.length());
                break;
            }
        }
        if (config.defaultDomain() != null && name.indexOf('@') < 0) {
            name = name + "@" + (config.lowercase() ? config.defaultDomain().toLowerCase(Locale.ROOT) : config.defaultDomain());
        }
        return name;
    }

    /** The name to log in with at the backend. */
    public String forBackend(String typed) {
        return config.sendNormalized() ? key(typed) : typed;
    }
}
