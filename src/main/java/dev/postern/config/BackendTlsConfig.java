package dev.postern.config;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * How Postern speaks TLS to the backends of one pool ({@code pools.<name>.tls}). Verification is on by default:
 * the backend's chain against {@code ca} (or the JDK's default trust store) and its name against
 * {@code serverName} (or the backend's host). Pinning replaces CA and name checks; {@code insecure} turns every
 * check off. Protocols and ciphers here never affect the client-facing side.
 *
 * @param mode none (plain IMAP), implicit (TLS from the first byte) or starttls (STARTTLS after the greeting)
 * @param ca PEM bundle of trusted CAs, resolved against the config file's folder; null: the JDK's default trust store
 * @param verifyHostname check the certificate's names (RFC 7817 / RFC 6125 dNSName, wildcard and IP checks)
 * @param serverName name sent in SNI and checked against the certificate; null: the backend's host
 * @param pinSha256 lower-case hex SHA-256 fingerprints (no colons) of accepted leaf certificates; empty: no pinning
 * @param insecure accept any certificate (an explicit opt-out, warned about at start)
 * @param protocols enabled protocol versions, e.g. TLSv1.3, TLSv1.2 (TLSv1.1 and TLSv1 only for legacy backends)
 * @param ciphers enabled cipher suites (Java/IANA names); empty: Postern's AEAD default list
 */
public record BackendTlsConfig(TlsMode mode, Path ca, boolean verifyHostname, String serverName,
                               List<String> pinSha256, boolean insecure, List<String> protocols, List<String> ciphers) {

    /** Protocol versions a pool may name. */
    public static final List<String> KNOWN_PROTOCOLS = List.of("TLSv1.3", "TLSv1.2", "TLSv1.1", "TLSv1");

    public static final List<String> DEFAULT_PROTOCOLS = List.of("TLSv1.3", "TLSv1.2");

    /** No TLS to the backends: plain IMAP (an empty {@code tls:}, with the loader's defaults). */
    public static final BackendTlsConfig NONE = of(Map.of());

    public BackendTlsConfig {
        Objects.requireNonNull(mode, "mode");
        pinSha256 = List.copyOf(pinSha256);
        protocols = List.copyOf(protocols);
        ciphers = List.copyOf(ciphers);
        if (protocols.isEmpty()) {
            throw new IllegalArgumentException("no TLS protocol enabled");
        }
        if (insecure && !pinSha256.isEmpty()) {
            throw new IllegalArgumentException("insecure together with pin_sha256");
        }
    }

    /**
     * By key name, as under {@code pools.<name>.tls:} in the file ({@code mode: implicit, ca: ...}); relative paths
     * resolve against the working directory; unset keys get defaults.
     */
    public static BackendTlsConfig of(Map<String, ?> values) {
        return ConfigNode.strict("tls", values, BackendTlsLoader::read);
    }

    public boolean enabled() {
        return mode != TlsMode.NONE;
    }

    public boolean pinned() {
        return !pinSha256.isEmpty();
    }

    /** Whether the certificate's names are checked: asked for, and neither pinned nor insecure. */
    public boolean checksHostname() {
        return verifyHostname && !pinned() && !insecure;
    }
}
