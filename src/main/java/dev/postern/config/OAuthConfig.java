package dev.postern.config;

import java.net.URI;
import java.nio.file.Path;
import java.util.Set;

/**
 * {@code auth.oauth}: how Postern itself verifies the bearer tokens of XOAUTH2 and OAUTHBEARER. Absent, tokens
 * pass through to the backend. One of two ways:
 * <ul>
 * <li>a signed JWT: {@code jwks_file} or {@code jwks_url} (the signing keys, cached and refreshed), {@code issuer}
 *     and {@code audience} (both must match), the user in {@code user_claim} ({@code email} by default);</li>
 * <li>RFC 7662 introspection: {@code introspection_url}, {@code client_id} and {@code client_secret_file} (HTTP
 *     Basic), the user in {@code user_claim} ({@code username} by default).</li>
 * </ul>
 */
public record OAuthConfig(Path jwksFile, URI jwksUrl, String issuer, String audience, String userClaim,
                          URI introspectionUrl, String clientId, Path clientSecretFile) {

    private static final ConfigSection<OAuthConfig> SECTION = ConfigSection.of(OAuthConfig.class,
            ConfigKey.path("jwks_file"),
            ConfigKey.parsed("jwks_url", URI.class, OAuthConfig::httpUrl),
            ConfigKey.text("issuer", null, OAuthConfig::nonBlank),
            ConfigKey.text("audience", null, OAuthConfig::nonBlank),
            ConfigKey.text("user_claim", null, OAuthConfig::nonBlank),
            ConfigKey.parsed("introspection_url", URI.class, OAuthConfig::httpUrl),
            ConfigKey.text("client_id", null, OAuthConfig::nonBlank),
            ConfigKey.path("client_secret_file"));

    /** True for signed JWTs, false for introspection. */
    public boolean jwt() {
        return introspectionUrl == null;
    }

    /** The claim (JWT) or introspection field that names the user. */
    public String userClaimOrDefault() {
        return userClaim != null ? userClaim : jwt() ? "email" : "username";
    }

    /** {@code auth:} at the top level: only {@code oauth} for now; null when absent. */
    static OAuthConfig read(ConfigNode root) {
        if (!root.has("auth")) {
            return null;
        }
        ConfigNode auth = root.child("auth");
        auth.rejectUnknownKeys(Set.of("oauth"));
        if (!auth.has("oauth")) {
            return null;
        }
        ConfigNode node = auth.child("oauth");
        OAuthConfig oauth = SECTION.read(node);
        if (oauth == null) {
            return null;
        }
        int ways = (oauth.jwksFile() != null ? 1 : 0) + (oauth.jwksUrl() != null ? 1 : 0)
                + (oauth.introspectionUrl() != null ? 1 : 0);
        if (ways != 1) {
            node.problem("jwks_file", "give exactly one of jwks_file, jwks_url (signed JWTs) or introspection_url"
                    + " (RFC 7662)");
            return null;
        }
        if (oauth.jwt() && (oauth.issuer() == null || oauth.audience() == null)) {
            node.problem(oauth.issuer() == null ? "issuer" : "audience",
                    "missing (a JWT is accepted only from its issuer, for its audience)");
        }
        if (!oauth.jwt() && (oauth.clientId() == null || oauth.clientSecretFile() == null)) {
            node.problem(oauth.clientId() == null ? "client_id" : "client_secret_file",
                    "missing (the introspection endpoint is called with HTTP Basic client credentials)");
        }
        return oauth;
    }

    private static URI httpUrl(String text) {
        URI uri = URI.create(text);
        if (!"http".equals(uri.getScheme()) && !"https".equals(uri.getScheme()) || uri.getHost() == null) {
            throw new IllegalArgumentException("'" + text + "' (expected an http:// or https:// URL)");
        }
        return uri;
    }

    private static String nonBlank(String value) {
        return value.isBlank() ? "must not be empty" : null;
    }
}
