package dev.postern.tls;

import io.netty.handler.ssl.SslContext;
import io.netty.util.DomainWildcardMappingBuilder;
import io.netty.util.Mapping;
import io.netty.util.ReferenceCountUtil;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * One generation of server contexts: the default certificate set, the SNI mapping (exact names and
 * {@code *.domain} wildcards; unknown or absent names get the default), and each certificate's expiry by name for
 * the gauge.
 */
record TlsSnapshot(CertificateSet defaultSet, Mapping<String, CertificateSet> sni, List<SslContext> all,
                   Map<String, Instant> notAfter) {

    /**
     * The contexts of one certificate set: {@code preferred} holds every configured pair; {@code rsaOnly}, present
     * when the set mixes ECDSA and RSA certificates, holds the RSA ones for clients that cannot verify ECDSA.
     */
    record CertificateSet(SslContext preferred, SslContext rsaOnly) {
        SslContext select(boolean acceptsEcdsa) {
            return acceptsEcdsa || rsaOnly == null ? preferred : rsaOnly;
        }
    }

    static Mapping<String, CertificateSet> mapping(CertificateSet fallback, Map<String, CertificateSet> byName) {
        DomainWildcardMappingBuilder<CertificateSet> builder = new DomainWildcardMappingBuilder<>(fallback);
        byName.forEach(builder::add);
        return builder.build();
    }

    SslContext select(String serverName, boolean acceptsEcdsa) {
        return (serverName == null ? defaultSet : sni.map(serverName)).select(acceptsEcdsa);
    }

    /** Drops this generation's references; handshakes in flight keep their own. */
    void release() {
        all.forEach(ReferenceCountUtil::release);
    }

    static Instant earliest(List<X509Certificate> leaves) {
        return leaves.stream().map(c -> c.getNotAfter().toInstant()).min(Instant::compareTo).orElse(Instant.EPOCH);
    }
}
