package dev.postern.tls;

import dev.postern.config.BackendConfig;
import dev.postern.config.BackendTlsConfig;
import dev.postern.config.HostPort;
import dev.postern.config.PoolConfig;
import dev.postern.config.RoutesConfig;
import dev.postern.config.TlsMode;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import io.netty.util.ReferenceCountUtil;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import javax.net.ssl.SSLEngine;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One client {@link SslContext} per pool that speaks TLS to its backends, and one for route targets no pool lists
 * when {@code routes.unlisted_targets} asks for TLS; built at start. A pool backend is looked up by its address as
 * the pool lists it; matching another spelling of it (an IP address, an alias) is the caller's job, after
 * resolving ({@code backend.TargetTlsPolicy}). The client-facing contexts are separate objects: nothing here
 * changes what clients are offered.
 */
public final class BackendTlsContexts implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(BackendTlsContexts.class);

    /** No pool speaks TLS; unlisted targets in plaintext. */
    public static final BackendTlsContexts NONE = new BackendTlsContexts(Map.of(), null, false, List.of());

    /** Every pool backend, with its pool's TLS or {@link Optional#empty()} for plaintext. */
    private final Map<HostPort, Optional<BackendTls>> listed;
    private final BackendTls unlisted;
    private final boolean refuseUnlisted;
    private final List<SslContext> contexts;
    private final java.util.concurrent.atomic.AtomicBoolean closed = new java.util.concurrent.atomic.AtomicBoolean();

    private BackendTlsContexts(Map<HostPort, Optional<BackendTls>> listed, BackendTls unlisted, boolean refuseUnlisted,
                               List<SslContext> contexts) {
        this.listed = Map.copyOf(listed);
        this.unlisted = unlisted;
        this.refuseUnlisted = refuseUnlisted;
        this.contexts = List.copyOf(contexts);
    }

    /** Pools' TLS only; unlisted targets in plaintext (as {@code routes.unlisted_targets: {tls: none}}). */
    public static BackendTlsContexts build(Map<String, PoolConfig> pools, String provider, Duration handshakeTimeout)
            throws TlsSetupException {
        return build(pools, RoutesConfig.UnlistedTargets.DEFAULTS, provider, handshakeTimeout);
    }

    /**
     * Builds the contexts of every pool with {@code tls.mode} other than none, and of {@code unlistedTargets}.
     *
     * @param provider "openssl" (BoringSSL through netty-tcnative, the JDK's when it does not load) or "jdk"
     * @param handshakeTimeout how long a backend handshake may take
     */
    public static BackendTlsContexts build(Map<String, PoolConfig> pools, RoutesConfig.UnlistedTargets unlistedTargets,
                                           String provider, Duration handshakeTimeout) throws TlsSetupException {
        Map<HostPort, Optional<BackendTls>> listed = new HashMap<>();
        List<SslContext> contexts = new ArrayList<>();
        BackendTls unlisted = null;
        try {
            for (PoolConfig pool : pools.values()) {
                BackendTlsConfig tls = pool.tls();
                BackendTls backendTls = null;
                if (tls.enabled()) {
                    String key = "pools." + pool.name() + ".tls";
                    SslContext context = context(key, "pool " + pool.name() + "'s backends", tls, provider);
                    contexts.add(context);
                    backendTls = new BackendTls(pool.name(), "pool " + pool.name() + " has tls.mode", tls, context,
                            handshakeTimeout);
                }
                for (BackendConfig backend : pool.backends()) {
                    listed.put(backend.address(), Optional.ofNullable(backendTls));
                }
            }
            BackendTlsConfig tls = unlistedTargets.tls();
            if (!unlistedTargets.refuse() && tls.enabled()) {
                SslContext context = context("routes.unlisted_targets", "route targets no pool lists", tls, provider);
                contexts.add(context);
                unlisted = new BackendTls(null, "routes.unlisted_targets has tls", tls, context, handshakeTimeout);
            }
        } catch (TlsSetupException | RuntimeException e) {
            contexts.forEach(ReferenceCountUtil::release);
            throw e;
        }
        return new BackendTlsContexts(listed, unlisted, unlistedTargets.refuse(), contexts);
    }

    /** The TLS of the pool that lists {@code backend} as written; null when it connects in plaintext or no pool does. */
    public BackendTls forBackend(HostPort backend) {
        Optional<BackendTls> tls = listed.get(backend);
        return tls == null ? null : tls.orElse(null);
    }

    /** Whether a pool lists {@code backend} as written. */
    public boolean isListed(HostPort backend) {
        return listed.containsKey(backend);
    }

    /** Every backend the pools list. */
    public Set<HostPort> listedBackends() {
        return listed.keySet();
    }

    /** Whether route targets no pool lists are refused ({@code routes.unlisted_targets: refuse}). */
    public boolean refusesUnlisted() {
        return refuseUnlisted;
    }

    /** The TLS for route targets no pool lists; null for plaintext (or when they are refused). */
    public BackendTls forUnlisted() {
        return unlisted;
    }

    /** Releases the contexts (handlers still open keep theirs until they close); once. */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            contexts.forEach(ReferenceCountUtil::release);
        }
    }

    /**
     * @param key the settings' key path, for messages
     * @param peers whose certificates it checks, for log lines ("pool main's backends")
     */
    private static SslContext context(String key, String peers, BackendTlsConfig tls, String providerName)
            throws TlsSetupException {
        SslProvider provider = provider(providerName);
        // The client-facing AEAD list unless the pool names its own.
        List<String> ciphers = tls.ciphers().isEmpty() ? ServerContextFactory.CIPHERS : tls.ciphers();
        checkCiphers(key, tls.ciphers(), provider);
        SslContextBuilder builder = SslContextBuilder.forClient()
                .sslProvider(provider)
                .protocols(tls.protocols())
                .ciphers(ciphers)
                .applicationProtocolConfig(ApplicationProtocolConfig.DISABLED)
                .endpointIdentificationAlgorithm(tls.checksHostname() ? "HTTPS" : null);
        String verification;
        if (tls.insecure()) {
            builder.trustManager(InsecureTrustManagerFactory.INSTANCE);
            verification = "NOT verified (insecure: true)";
        } else if (tls.pinned()) {
            builder.trustManager(new PinningTrustManager(tls.pinSha256()));
            verification = "pinned to " + tls.pinSha256().size() + " SHA-256 fingerprint(s)";
        } else {
            if (tls.ca() != null) {
                builder.trustManager(tls.ca().toFile());
            }
            verification = "verified against " + (tls.ca() != null ? tls.ca() : "the JDK's default trust store")
                    + (tls.checksHostname() ? ", name checked" : ", name NOT checked (verify_hostname: false)");
        }
        SslContext context;
        try {
            context = builder.build();
        } catch (Exception e) {
            throw new TlsSetupException(key + ": cannot build the TLS context: " + rootMessage(e), e);
        }
        try {
            check(key, context, tls, provider, ciphers);
        } catch (TlsSetupException e) {
            ReferenceCountUtil.release(context);
            throw e;
        }
        if (tls.insecure()) {
            LOG.warn("{}.insecure is true: the certificates of {} are NOT verified; anyone on the "
                    + "path can impersonate them and read the passwords sent to them", key, peers);
        }
        LOG.info("backend TLS for {}: {} via {}, protocols {}, certificates {}", peers,
                tls.mode().name().toLowerCase(Locale.ROOT), provider, tls.protocols(), verification);
        return context;
    }

    /** Every configured cipher and protocol must be usable by the provider: a silent drop would surprise. */
    private static void check(String key, SslContext context, BackendTlsConfig tls, SslProvider provider,
                              List<String> ciphers) throws TlsSetupException {
        if (!tls.ciphers().isEmpty()) {
            List<String> enabled = context.cipherSuites();
            List<String> dropped = ciphers.stream().filter(c -> !enabled.contains(c)).toList();
            if (!dropped.isEmpty()) {
                throw new TlsSetupException(key + ".ciphers: " + dropped + " not usable with the " + provider
                        + " TLS provider", null);
            }
        }
        SSLEngine engine = context.newEngine(UnpooledByteBufAllocator.DEFAULT);
        try {
            List<String> enabled = new ArrayList<>(Arrays.asList(engine.getEnabledProtocols()));
            if (provider == SslProvider.JDK) {
                // The JDK keeps TLS 1.0/1.1 "enabled" but refuses them at handshake time (jdk.tls.disabledAlgorithms).
                String disabled = String.valueOf(java.security.Security.getProperty("jdk.tls.disabledAlgorithms"));
                enabled.removeIf(p -> Arrays.stream(disabled.split(",")).map(String::strip).anyMatch(p::equals));
            }
            List<String> missing = tls.protocols().stream().filter(p -> !enabled.contains(p)).toList();
            if (missing.size() == tls.protocols().size()) {
                throw new TlsSetupException(key + ".protocols: none of " + tls.protocols() + " is supported by the "
                        + provider + " TLS provider", null);
            }
            if (!missing.isEmpty()) {
                LOG.warn("{}.protocols: {} not supported by the {} TLS provider; using {}", key, missing, provider,
                        enabled);
            }
        } finally {
            ReferenceCountUtil.release(engine);
        }
    }

    /** Each configured suite must be known to the provider (Java/IANA names; OpenSSL names too for BoringSSL). */
    private static void checkCiphers(String key, List<String> ciphers, SslProvider provider) throws TlsSetupException {
        List<String> unknown;
        if (provider == SslProvider.JDK) {
            List<String> supported;
            try {
                javax.net.ssl.SSLContext jdk = javax.net.ssl.SSLContext.getInstance("TLS");
                jdk.init(null, null, null);
                supported = Arrays.asList(jdk.getSupportedSSLParameters().getCipherSuites());
            } catch (java.security.GeneralSecurityException e) {
                throw new TlsSetupException(key + ": the JDK TLS provider is unusable: " + e.getMessage(), e);
            }
            unknown = ciphers.stream().filter(c -> !supported.contains(c)).toList();
        } else {
            unknown = ciphers.stream().filter(c -> !OpenSsl.isCipherSuiteAvailable(c)).toList();
        }
        if (!unknown.isEmpty()) {
            throw new TlsSetupException(key + ".ciphers: " + String.join(", ", unknown.stream().map(c -> "'" + c + "'")
                    .toList()) + " not supported by the " + provider + " TLS provider", null);
        }
    }

    /** The same provider choice as the client side: one TLS library per process. */
    private static SslProvider provider(String name) {
        return ServerContextFactory.provider(name == null ? null : name.toLowerCase(java.util.Locale.ROOT));
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t.getClass().getSimpleName() + (t.getMessage() == null ? "" : ": " + t.getMessage());
    }
}
