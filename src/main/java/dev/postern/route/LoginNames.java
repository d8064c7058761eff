package dev.postern.route;

import java.util.Locale;

/** The route key of a login name: trimmed and lower-cased, so "Alice@Example.org" and "alice@example.org" agree. */
public final class LoginNames {
    private LoginNames() {
    }

    public static String key(String loginName) {
        return loginName.strip().toLowerCase(Locale.ROOT);
    }
}
