package dev.postern.tls;

import dev.postern.config.ListenerConfig;
import dev.postern.config.TlsConfig;
import dev.postern.metrics.ProxyMetrics;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.ChannelHandler;
import io.netty.handler.ssl.ReferenceCountedOpenSslContext;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslProvider;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The client-facing TLS contexts, live. Built at start; the certificate and key files are watched (and
 * {@link #reload()} runs on SIGHUP too): a change builds a whole new generation and swaps it in atomically for
 * new handshakes, while open sessions keep theirs. A replacement that cannot be used (unreadable, key mismatch,
 * expired) leaves the running generation in place, is logged and counted. Session ticket keys are rotated on a
 * schedule and shared by every generation.
 */
public final class ServerTls implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ServerTls.class);

    private final TlsConfig config;
    private final SslProvider provider;
    private final Duration handshakeTimeout;
    private final TicketKeys tickets = new TicketKeys();
    private final AtomicReference<TlsSnapshot> current = new AtomicReference<>();
    private final Map<Path, Object> stamps = new HashMap<>();
    private static final long RETIRE_AFTER_SECONDS = 30;
    private final java.util.Queue<TlsSnapshot> retired = new java.util.concurrent.ConcurrentLinkedQueue<>();
    private volatile ScheduledExecutorService scheduler;
    private Counter reloadOk;
    private Counter reloadFailed;

    private ServerTls(TlsConfig config, Duration handshakeTimeout) {
        this.config = config;
        this.provider = ServerContextFactory.provider(config.provider());
        this.handshakeTimeout = handshakeTimeout;
    }

    public static ServerTls load(TlsConfig config, Duration handshakeTimeout) throws TlsSetupException {
        ServerTls tls = new ServerTls(config, handshakeTimeout);
        tls.current.set(tls.build(false));
        tls.stamps.putAll(tls.stampFiles());
        TlsSnapshot s = tls.current.get();
        LOG.info("TLS ready: provider {}, protocols {}, {} certificate set(s), ciphers {}", tls.provider,
                ServerContextFactory.PROTOCOLS, s.notAfter().size(), ServerContextFactory.CIPHERS);
        return tls;
    }

    private TlsSnapshot build(boolean refuseExpired) throws TlsSetupException {
        List<SslContext> all = new ArrayList<>();
        try {
            Map<String, Instant> notAfter = new LinkedHashMap<>();
            TlsSnapshot.CertificateSet main = buildSet(config.defaultCertificates(), refuseExpired, all, notAfter, "default");
            Map<String, TlsSnapshot.CertificateSet> byName = new LinkedHashMap<>();
            for (TlsConfig.SniEntry entry : config.sni()) {
                TlsSnapshot.CertificateSet set = buildSet(entry.certificates(), refuseExpired, all, notAfter,
                        entry.names().get(0));
                entry.names().forEach(name -> byName.put(name, set));
            }
            return new TlsSnapshot(main, TlsSnapshot.mapping(main, byName), all, notAfter);
        } catch (TlsSetupException | RuntimeException e) {
            all.forEach(io.netty.util.ReferenceCountUtil::release);
            throw e;
        }
    }

    /**
     * One context with every pair of the set and, when the set mixes ECDSA and RSA certificates, one with the RSA
     * pairs only: {@link ClientHelloHandler} hands that one to clients that cannot verify ECDSA.
     */
    private TlsSnapshot.CertificateSet buildSet(List<TlsConfig.CertificatePair> pairs, boolean refuseExpired,
                                               List<SslContext> all, Map<String, Instant> notAfter, String name)
            throws TlsSetupException {
        ServerContextFactory.Built built = ServerContextFactory.build(pairs, provider, config.sessions(), tickets,
                refuseExpired);
        all.add(built.context());
        notAfter.put(name, TlsSnapshot.earliest(built.leaves()));
        List<TlsConfig.CertificatePair> rsa = new ArrayList<>();
        for (int i = 0; i < pairs.size(); i++) {
            if ("RSA".equals(built.leaves().get(i).getPublicKey().getAlgorithm())) {
                rsa.add(pairs.get(i));
            }
        }
        if (rsa.isEmpty() || rsa.size() == pairs.size()) {
            return new TlsSnapshot.CertificateSet(built.context(), null);
        }
        ServerContextFactory.Built rsaOnly = ServerContextFactory.build(rsa, provider, config.sessions(), tickets,
                refuseExpired);
        all.add(rsaOnly.context());
        return new TlsSnapshot.CertificateSet(built.context(), rsaOnly.context());
    }

    /** Rebuilds every context from the files; on failure keeps the running ones. Returns true when swapped. */
    public synchronized boolean reload() {
        try {
            TlsSnapshot fresh = build(true);
            TlsSnapshot old = current.getAndSet(fresh);
            retire(old);
            stamps.clear();
            stamps.putAll(stampFiles());
            if (reloadOk != null) {
                reloadOk.increment();
            }
            LOG.warn("TLS certificates reloaded: new handshakes use them, open sessions keep theirs");
            return true;
        } catch (TlsSetupException | RuntimeException e) {
            stamps.clear();
            stamps.putAll(stampFiles());
            if (reloadFailed != null) {
                reloadFailed.increment();
            }
            LOG.error("TLS reload refused, keeping the current certificates: {}", e.getMessage());
            return false;
        }
    }

    /** Reloads when any certificate or key file changed since the last attempt. */
    public synchronized boolean reloadIfChanged() {
        Map<Path, Object> now = stampFiles();
        if (now.equals(stamps)) {
            return false;
        }
        return reload();
    }

    /**
     * Releases a replaced generation after a grace period: an event loop may be between {@link #select} and
     * creating its engine from it right now. Engines hold their own reference, so open sessions never depend on it.
     */
    private void retire(TlsSnapshot old) {
        ScheduledExecutorService s = scheduler;
        if (s == null) {
            old.release();
            return;
        }
        retired.add(old);
        try {
            s.schedule(() -> {
                if (retired.remove(old)) {
                    old.release();
                }
            }, RETIRE_AFTER_SECONDS, TimeUnit.SECONDS);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            if (retired.remove(old)) {
                old.release();
            }
        }
    }

    /** Watches the files and rotates ticket keys, on {@code scheduler}. */
    public void start(ScheduledExecutorService scheduler) {
        this.scheduler = scheduler;
        long check = config.reloadInterval().toMillis();
        scheduler.scheduleWithFixedDelay(this::reloadIfChanged, check, check, TimeUnit.MILLISECONDS);
        long rotate = config.sessions().ticketKeyRotation().toMillis();
        scheduler.scheduleAtFixedRate(this::rotateTicketKeys, rotate, rotate, TimeUnit.MILLISECONDS);
    }

    /** A new ticket-encrypting key for every context; tickets under the previous key still resume. */
    public void rotateTicketKeys() {
        var keys = tickets.rotate();
        for (SslContext ctx : current.get().all()) {
            if (ctx instanceof ReferenceCountedOpenSslContext openssl) {
                openssl.sessionContext().setTicketKeys(keys);
            }
        }
        LOG.debug("TLS session ticket keys rotated");
    }

    private Map<Path, Object> stampFiles() {
        Map<Path, Object> out = new HashMap<>();
        List<TlsConfig.CertificatePair> pairs = new ArrayList<>(config.defaultCertificates());
        config.sni().forEach(e -> pairs.addAll(e.certificates()));
        for (TlsConfig.CertificatePair pair : pairs) {
            for (Path file : List.of(pair.certificate(), pair.key())) {
                try {
                    out.put(file, List.of(Files.getLastModifiedTime(file), Files.size(file)));
                } catch (IOException e) {
                    out.put(file, "unreadable: " + e.getClass().getSimpleName());
                }
            }
        }
        return out;
    }

    public void bindMetrics(MeterRegistry registry) {
        reloadOk = Counter.builder("postern.tls.reloads").tag("outcome", "ok").register(registry);
        reloadFailed = Counter.builder("postern.tls.reloads").tag("outcome", "failed").register(registry);
        for (String name : current.get().notAfter().keySet()) {
            Gauge.builder("postern.tls.certificate.expiry", this, t -> t.secondsLeft(name))
                    .tag("name", name).baseUnit("seconds").description("seconds until the certificate expires")
                    .register(registry);
        }
    }

    private double secondsLeft(String name) {
        Instant notAfter = current.get().notAfter().get(name);
        return notAfter == null ? Double.NaN : Duration.between(Instant.now(), notAfter).toSeconds();
    }

    public SslProvider provider() {
        return provider;
    }

    /** The context for a server name (SNI), or the default one. */
    public SslContext select(String serverName) {
        return current.get().select(serverName, true);
    }

    /** The context for a server name (SNI) and a client that can or cannot verify an ECDSA certificate. */
    SslContext select(String serverName, boolean acceptsEcdsa) {
        return current.get().select(serverName, acceptsEcdsa);
    }

    /**
     * The first TLS handler of a connection: reads the ClientHello, enforces the listener's ALPN policy, picks
     * the certificate by SNI, then puts a real {@link SslHandler} in its place.
     */
    public ChannelHandler newClientHelloHandler(ListenerConfig listener, ProxyMetrics metrics) {
        return new ClientHelloHandler(this, listener, metrics, handshakeTimeout);
    }

    SslHandler newHandler(SslContext context, ByteBufAllocator alloc) {
        SSLEngine engine = context.newEngine(alloc);
        SSLParameters parameters = engine.getSSLParameters();
        parameters.setUseCipherSuitesOrder(true);
        engine.setSSLParameters(parameters);
        SslHandler handler = new SslHandler(engine);
        handler.setHandshakeTimeout(handshakeTimeout.toMillis(), TimeUnit.MILLISECONDS);
        return handler;
    }

    /** Seconds until the named certificate set expires (for tests and the admin API). */
    public Instant notAfter(String name) {
        return Objects.requireNonNull(current.get().notAfter().get(name), name);
    }

    @Override
    public void close() {
        TlsSnapshot s = current.getAndSet(null);
        if (s != null) {
            s.release();
        }
        for (TlsSnapshot r; (r = retired.poll()) != null; ) {
            r.release();
        }
    }
}
