package dev.postern.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * The client-facing TLS setup.
 *
 * @param certificate PEM certificate chain of the default certificate, resolved against the config file's folder
 * @param key PEM private key (PKCS#8, or PKCS#1/SEC1 as OpenSSL writes them)
 * @param selfSignedIfMissing when both files are absent, generate a self-signed localhost pair there
 * @param extraCertificates more default certificates of other key types (an RSA one beside an ECDSA one)
 * @param sni certificates chosen by the server name the client asks for
 * @param provider "openssl" (BoringSSL through netty-tcnative; the default) or "jdk"
 * @param sessions session resumption settings
 * @param reloadInterval how often certificate and key files are checked for changes
 */
public record TlsConfig(Path certificate, Path key, boolean selfSignedIfMissing, List<CertificatePair> extraCertificates,
                        List<SniEntry> sni, String provider, SessionConfig sessions, Duration reloadInterval) {

    public TlsConfig {
        extraCertificates = List.copyOf(extraCertificates);
        sni = List.copyOf(sni);
    }

    public TlsConfig(Path certificate, Path key, boolean selfSignedIfMissing) {
        this(certificate, key, selfSignedIfMissing, List.of(), List.of(), "openssl", SessionConfig.DEFAULTS,
                Duration.ofSeconds(5));
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
        public static final SessionConfig DEFAULTS = new SessionConfig(Duration.ofHours(1), 20_000, Duration.ofMinutes(10));
    }
}
