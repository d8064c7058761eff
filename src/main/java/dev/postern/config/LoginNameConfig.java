package dev.postern.config;

import java.util.List;

/**
 * How a login name becomes a route key (and the key rendezvous hashing uses).
 *
 * @param lowercase fold to lower case
 * @param defaultDomain appended as {@code @domain} to names without one; null for none
 * @param stripDomains {@code @domain} suffixes removed from names (compared case-insensitively)
 * @param sendNormalized send the normalized name to the backend instead of the name as typed
 */
public record LoginNameConfig(boolean lowercase, String defaultDomain, List<String> stripDomains, boolean sendNormalized) {
    public static final LoginNameConfig DEFAULTS = new LoginNameConfig(true, null, List.of(), false);

    public LoginNameConfig {
        stripDomains = List.copyOf(stripDomains);
    }
}
