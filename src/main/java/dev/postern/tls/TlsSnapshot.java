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
 * One generation of server contexts: the default one, the SNI mapping (exact names and {@code *.domain}
 * wildcards; unknown or absent names get the default), and each certificate's expiry by name for the gauge.
 */
record TlsSnapshot(SslContext defaultContext, Mapping<String, SslContext> sni, List<SslContext> all,
                   Map<String, Instant> notAfter) {

    static Mapping<String, SslContext> mapping(SslContext fallback, Map<String, SslContext> byName) {
        DomainWildcardMappingBuilder<SslContext> builder = new DomainWildcardMappingBuilder<>(fallback);
        byName.forEach(builder::add);
        return builder.build();
    }

    SslContext select(String serverName) {
        return serverName == null ? defaultContext : sni.map(serverName);
    }

    /** Drops this generation's references; handshakes in flight keep their own. */
    void release() {
        all.forEach(ReferenceCountUtil::release);
    }

    static Instant earliest(List<X509Certificate> leaves) {
        return leaves.stream().map(c -> c.getNotAfter().toInstant()).min(Instant::compareTo).orElse(Instant.EPOCH);
    }
}
