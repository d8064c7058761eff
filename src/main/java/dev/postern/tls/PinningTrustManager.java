package dev.postern.tls;

import java.net.Socket;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.CertificateEncodingException;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * Accepts a server's chain exactly when the SHA-256 fingerprint of its leaf certificate is one of the pinned
 * ones. No CA, name or validity-period check: the pin names the one certificate trusted (an operator pins a
 * backend's self-signed certificate, and replaces the pin when the certificate changes).
 *
 * <p>Why not Netty's {@code FingerprintTrustManagerFactory} (SHA-256 builder): it does the same comparison, but a
 * mismatch throws a plain {@code CertificateException("server certificate with unknown fingerprint: CN=...")}. That
 * names neither the fingerprint the backend sent (the one value an operator needs to fix {@code pin_sha256}) nor
 * the setting, and its type cannot be told from other certificate failures, so {@link BackendTls#failureReason}
 * could only guess from its text. Ours says "pin mismatch: the backend's certificate (CN=..., SHA-256 AB:CD:...)
 * is not in pin_sha256", which BackendTlsIT and BackendTlsContextsIT hold it to.
 */
final class PinningTrustManager extends X509ExtendedTrustManager {
    private static final X509Certificate[] NO_ISSUERS = new X509Certificate[0];

    private final Set<String> pins;

    /** @param pins lower-case hex SHA-256 fingerprints without colons */
    PinningTrustManager(List<String> pins) {
        this.pins = Set.copyOf(pins);
    }

    /** A certificate's fingerprint as written in logs: upper-case hex pairs joined by colons. */
    static String fingerprint(X509Certificate certificate) throws CertificateEncodingException {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(certificate.getEncoded());
            return HexFormat.ofDelimiter(":").withUpperCase().formatHex(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JDK", e);
        }
    }

    private void check(X509Certificate[] chain) throws CertificateException {
        if (chain == null || chain.length == 0) {
            throw new PinMismatchException("pin mismatch: the backend sent no certificate");
        }
        String fingerprint = fingerprint(chain[0]);
        if (!pins.contains(fingerprint.replace(":", "").toLowerCase(java.util.Locale.ROOT))) {
            throw new PinMismatchException("pin mismatch: the backend's certificate (" + chain[0].getSubjectX500Principal()
                    .getName() + ", SHA-256 " + fingerprint + ") is not in pin_sha256");
        }
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        check(chain);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
        check(chain);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
            throws CertificateException {
        check(chain);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        throw new CertificateException("a pinning trust manager does not check clients");
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
        throw new CertificateException("a pinning trust manager does not check clients");
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
            throws CertificateException {
        throw new CertificateException("a pinning trust manager does not check clients");
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
        return NO_ISSUERS;
    }

    /** The leaf certificate is not one of the pinned ones. */
    static final class PinMismatchException extends CertificateException {
        PinMismatchException(String message) {
            super(message);
        }
    }
}
