package dev.postern.tls;

import dev.postern.config.TlsConfig;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.ReferenceCountedOpenSslContext;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.OpenSslContextOption;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.KeyManagerFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Builds one server {@link SslContext} from one or more certificate/key pairs (an ECDSA and an RSA certificate
 * side by side: the key manager picks by the key types the client supports), with Postern's fixed client-facing
 * policy: TLS 1.2 and 1.3, AEAD suites with forward secrecy, server order, ALPN {@code imap}.
 */
final class ServerContextFactory {
    private static final Logger LOG = LoggerFactory.getLogger(ServerContextFactory.class);

    /** TLS 1.2 and 1.3 only (RFC 8996 retired 1.0/1.1). */
    static final List<String> PROTOCOLS = List.of("TLSv1.3", "TLSv1.2");

    /**
     * AEAD suites with forward secrecy only; TLS 1.3 suites are all AEAD. Server order wins. The one list: backend
     * pools without their own {@code ciphers} use it too (BackendTlsContexts).
     */
    static final List<String> CIPHERS = List.of(
            "TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256",
            "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
            "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
            "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256");

    /** IANA's ALPN id for IMAP (RFC 9051 / the ALPN protocol ID registry). */
    static final String ALPN_IMAP = "imap";
    /**
     * The per-connection buffer of the BIO pair between BoringSSL and Netty for what is not application data
     * (handshake flights, alerts, tickets); it lives as long as the connection. Netty's default, 2 KiB, costs about
     * 2 KiB more per idle session than this (deploy/bench/compare.sh, memory per added session: 13.6 against 11.3
     * KiB, two runs each). A flight larger than this (a certificate chain) takes a few more engine calls during the
     * handshake; relayed data never passes through it.
     */
    static final int HANDSHAKE_BUFFER = 512;

    private ServerContextFactory() {
    }

    /** The provider for a config value: BoringSSL unless "jdk" is asked for or netty-tcnative cannot load. */
    static SslProvider provider(String configured) {
        if ("jdk".equals(configured)) {
            return SslProvider.JDK;
        }
        if (OpenSsl.isAvailable()) {
            return SslProvider.OPENSSL_REFCNT;
        }
        LOG.warn("OpenSSL (netty-tcnative BoringSSL) unavailable, using the JDK TLS provider: {}",
                String.valueOf(OpenSsl.unavailabilityCause()));
        return SslProvider.JDK;
    }

    record Built(SslContext context, List<X509Certificate> leaves) {
    }

    /** @param refuseExpired true on reload: an expired replacement must not replace a working certificate */
    static Built build(List<TlsConfig.CertificatePair> pairs, SslProvider provider, List<String> groups,
                       TlsConfig.SessionConfig sessions, TicketKeys tickets, boolean refuseExpired)
            throws TlsSetupException {
        List<X509Certificate> leaves = new ArrayList<>();
        KeyManagerFactory kmf;
        try {
            char[] password = new char[16];
            SecureRandom random = new SecureRandom();
            for (int i = 0; i < password.length; i++) {
                password[i] = (char) ('a' + random.nextInt(26));
            }
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            int i = 0;
            for (TlsConfig.CertificatePair pair : pairs) {
                CertificateFiles.requireReadable(pair.certificate(), "tls.certificate");
                CertificateFiles.requireReadable(pair.key(), "tls.key");
                List<X509Certificate> chain = CertificateFiles.readChain(pair.certificate());
                PrivateKey key = CertificateFiles.readKey(pair.key());
                CertificateFiles.requireMatch(chain.get(0), key, pair.certificate(), pair.key());
                if (refuseExpired && chain.get(0).getNotAfter().toInstant().isBefore(java.time.Instant.now())) {
                    throw new TlsSetupException("tls.certificate: " + pair.certificate() + " expired on "
                            + chain.get(0).getNotAfter().toInstant(), null);
                }
                CertificateFiles.warnIfNotValidNow(chain.get(0), pair.certificate());
                store.setKeyEntry("cert-" + i++, key, password, chain.toArray(new X509Certificate[0]));
                leaves.add(chain.get(0));
            }
            kmf = KeyManagerFactory.getInstance("SunX509");
            kmf.init(store, password);
        } catch (TlsSetupException e) {
            throw e;
        } catch (Exception e) {
            throw new TlsSetupException("tls: cannot load the certificates " + pairs + ": " + e.getMessage(), e);
        }
        try {
            SslContextBuilder builder = SslContextBuilder.forServer(kmf);
            if (!groups.isEmpty()) {
                // BoringSSL's own list otherwise (the post-quantum hybrid first)
                builder.option(OpenSslContextOption.GROUPS, groups.toArray(new String[0]));
            }
            SslContext context = builder
                    .sslProvider(provider)
                    .protocols(PROTOCOLS)
                    .ciphers(CIPHERS)
                    .clientAuth(ClientAuth.NONE)
                    .sessionCacheSize(sessions.cacheSize())
                    .sessionTimeout(sessions.cacheTimeout().toSeconds())
                    // Selection failures are answered by ClientHelloHandler before the engine sees the hello.
                    .applicationProtocolConfig(new ApplicationProtocolConfig(ApplicationProtocolConfig.Protocol.ALPN,
                            ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                            ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT, ALPN_IMAP))
                    .build();
            if (context instanceof ReferenceCountedOpenSslContext openssl) {
                openssl.sessionContext().setTicketKeys(tickets.current());
                openssl.setBioNonApplicationBufferSize(HANDSHAKE_BUFFER);
            }
            return new Built(context, leaves);
        } catch (Exception e) {
            throw new TlsSetupException("tls: cannot build a TLS context from " + pairs + ": " + e.getMessage(), e);
        }
    }
}
