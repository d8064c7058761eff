package dev.postern.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * The client-facing TLS setup.
 *
 * @param certificate PEM certificate chain of the default certificate, resolved against the config file's folder
 * @param key PEM private key (PKCS#8, or PKCS#1/SEC1 as OpenSSL writes them)
 * @param selfSignedIfMissing when both files are absent, generate a self-signed localhost pair there
 * @param extraCertificates more default certificates of other key types (an RSA one beside an ECDSA one)
 * @param sni certificates chosen by the server name the client asks for
 * @param provider "openssl" (BoringSSL through netty-tcnative; the default) or "jdk"
 * @param groups key-exchange groups offered, in order of preference; empty: BoringSSL's own list, which puts the
 *     post-quantum hybrid X25519MLKEM768 first (openssl provider only)
 * @param sessions session resumption settings
 * @param reloadInterval how often certificate and key files are checked for changes
 */
public record TlsConfig(Path certificate, Path key, boolean selfSignedIfMissing, List<CertificatePair> extraCertificates,
                        List<SniEntry> sni, String provider, List<String> groups, SessionConfig sessions,
                        Duration reloadInterval) {

    /**
     * Key-exchange group names BoringSSL accepts for {@code tls.groups}; X25519MLKEM768 is the post-quantum hybrid
     * (ML-KEM-768 with X25519) that BoringSSL offers and prefers by default.
     */
    public static final List<String> KNOWN_GROUPS = List.of("X25519MLKEM768", "X25519", "P-256", "P-384", "P-521",
            "secp256r1", "prime256v1", "secp384r1", "secp521r1");

    /** {@code tls:}; whether certificate and key are required depends on the listeners ({@link ServerTlsLoader}). */
    static final ConfigSection<TlsConfig> SECTION = ConfigSection.of(TlsConfig.class,
            ConfigKey.path("certificate"),
            ConfigKey.path("key"),
            ConfigKey.flag("self_signed_if_missing", false),
            ConfigKey.custom("certificates", List.class, List.of(), ServerTlsLoader::pairs).into("extraCertificates"),
            ConfigKey.custom("sni", List.class, List.of(), ServerTlsLoader::sni),
            ConfigKey.oneOf("provider", List.of("openssl", "jdk")),
            ConfigKey.list("groups", TlsConfig::group),
            ConfigKey.section("sessions", SessionConfig.SECTION),
            ConfigKey.duration("reload_interval", Duration.ofSeconds(5), Duration.ofMillis(10)));

    public TlsConfig {
        extraCertificates = List.copyOf(extraCertificates);
        groups = List.copyOf(groups);
        sni = List.copyOf(sni);
    }

    /**
     * By key name, as under {@code tls:} in the file ({@code certificate}, {@code key}, ...); relative paths resolve
     * against the working directory; unset keys get defaults.
     */
    public static TlsConfig of(Map<String, ?> values) {
        return ConfigNode.strict("tls", values, node -> ServerTlsLoader.read(node, false));
    }

    private static String group(String name) {
        return KNOWN_GROUPS.stream().filter(g -> g.equalsIgnoreCase(name.strip())).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("'" + name + "' is not a key-exchange group "
                        + "(expected one of " + KNOWN_GROUPS + ")"));
    }

    /** Every certificate of the default set: the main pair first. */
    public List<CertificatePair> defaultCertificates() {
        List<CertificatePair> all = new java.util.ArrayList<>();
        if (certificate != null && key != null) {
            all.add(new CertificatePair(certificate, key));
        }
        all.addAll(extraCertificates);
        return all;
    }

    public record CertificatePair(Path certificate, Path key) {
    }

    /** Server names (exact, or {@code *.example.org} wildcards) and the certificates served for them. */
    public record SniEntry(List<String> names, List<CertificatePair> certificates) {
        public SniEntry {
            names = List.copyOf(names);
            certificates = List.copyOf(certificates);
        }
    }

    /**
     * @param ticketKeyRotation how often a new ticket key is made (the previous one still decrypts for one period)
     * @param cacheSize server-side session cache entries
     * @param cacheTimeout how long a session can be resumed
     */
    public record SessionConfig(Duration ticketKeyRotation, int cacheSize, Duration cacheTimeout) {
        static final ConfigSection<SessionConfig> SECTION = ConfigSection.of(SessionConfig.class,
                ConfigKey.duration("ticket_key_rotation", Duration.ofHours(1), Duration.ofSeconds(1)),
                ConfigKey.whole("cache_size", 20_000, 0, 10_000_000),
                ConfigKey.duration("cache_timeout", Duration.ofMinutes(10), Duration.ofSeconds(1)));

        public static final SessionConfig DEFAULTS = SECTION.defaults();
    }
}
