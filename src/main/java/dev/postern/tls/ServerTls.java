package dev.postern.tls;

import dev.postern.config.ListenerConfig;
import dev.postern.config.TlsConfig;
import dev.postern.metrics.ProxyMetrics;
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
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
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
 *
 * <p>Concurrency: everything a reload changes is one immutable {@link State} in one {@link AtomicReference}.
 * Handshakes on every event loop read it without a lock; a reload (the watcher's thread, or SIGHUP's) builds the
 * new generation outside any lock, since that reads files, then swaps it in with compare-and-set. Two racing
 * reloads both land, one after the other, and neither generation leaks: each swap retires what it replaced. No
 * {@code volatile} fields and no {@code synchronized}: one idiom, and no handshake ever waits for file I/O.
 */
public final class ServerTls implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ServerTls.class);
    /** An event loop may be between {@link #select} and creating its engine from a generation just replaced. */
    public static final Duration RETIRE_AFTER = Duration.ofSeconds(30);
    /** Plaintext bytes encrypted per engine call: the relay's largest read. */
    static final int WRAP_DATA_SIZE = 64 * 1024;

    private final TlsConfig config;
    private final SslProvider provider;
    private final Duration handshakeTimeout;
    private final ProxyMetrics metrics;
    private final TicketKeys tickets = new TicketKeys();
    /** Null once closed. */
    private final AtomicReference<State> state = new AtomicReference<>();
    /** What {@link #start} scheduled; cancelled by {@link #close}. */
    private final List<ScheduledFuture<?>> tasks = new CopyOnWriteArrayList<>();

    /**
     * @param contexts the generation new handshakes use
     * @param stamps the certificate and key files' modification stamps at the last reload attempt
     * @param retired replaced generations, released once their grace period has passed (or on close)
     */
    private record State(TlsSnapshot contexts, Map<Path, Object> stamps, List<Retired> retired) {
        State replacedBy(TlsSnapshot fresh, Map<Path, Object> newStamps, Instant now) {
            List<Retired> kept = new ArrayList<>(retired);
            kept.add(new Retired(contexts, now.plus(RETIRE_AFTER)));
            return new State(fresh, newStamps, List.copyOf(kept));
        }

        State withStamps(Map<Path, Object> newStamps) {
            return new State(contexts, newStamps, retired);
        }

        State withoutRetired(List<Retired> released) {
            return new State(contexts, stamps, retired.stream().filter(r -> !released.contains(r)).toList());
        }
    }

    private record Retired(TlsSnapshot contexts, Instant releaseAt) {
    }

    private ServerTls(TlsConfig config, Duration handshakeTimeout, ProxyMetrics metrics) {
        this.config = config;
        this.provider = ServerContextFactory.provider(config.provider());
        this.handshakeTimeout = handshakeTimeout;
        this.metrics = metrics;
    }

    /** Loads without counting (tests). */
    public static ServerTls load(TlsConfig config, Duration handshakeTimeout) throws TlsSetupException {
        return load(config, handshakeTimeout, ProxyMetrics.NOOP);
    }

    /** Builds the first generation and registers its expiry gauges; reloads are counted on {@code metrics}. */
    public static ServerTls load(TlsConfig config, Duration handshakeTimeout, ProxyMetrics metrics)
            throws TlsSetupException {
        ServerTls tls = new ServerTls(config, handshakeTimeout, metrics);
        Map<Path, Object> stamps = tls.stampFiles();
        TlsSnapshot first = tls.build(false);
        tls.state.set(new State(first, stamps, List.of()));
        for (String name : first.notAfter().keySet()) {
            metrics.certificateExpiry(name, () -> tls.secondsLeft(name));
        }
        LOG.info("TLS ready: provider {}, protocols {}, {} certificate set(s), ciphers {}", tls.provider,
                ServerContextFactory.PROTOCOLS, first.notAfter().size(), ServerContextFactory.CIPHERS);
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
        ServerContextFactory.Built built = ServerContextFactory.build(pairs, provider, config.groups(),
                config.sessions(), tickets, refuseExpired);
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
        ServerContextFactory.Built rsaOnly = ServerContextFactory.build(rsa, provider, config.groups(),
                config.sessions(), tickets, refuseExpired);
        all.add(rsaOnly.context());
        return new TlsSnapshot.CertificateSet(built.context(), rsaOnly.context());
    }

    /** Rebuilds every context from the files; on failure keeps the running ones. Returns true when swapped. */
    public boolean reload() {
        // Stamped before the build: a file that changes while it is read is seen as changed at the next check.
        Map<Path, Object> stamps = stampFiles();
        TlsSnapshot fresh;
        try {
            fresh = build(true);
        } catch (TlsSetupException | RuntimeException e) {
            state.updateAndGet(s -> s == null ? null : s.withStamps(stamps));
            metrics.tlsReload("failed");
            LOG.error("TLS reload refused, keeping the current certificates: {}", e.getMessage());
            return false;
        }
        Instant now = Instant.now();
        for (State old = state.get(); ; old = state.get()) {
            if (old == null) {
                fresh.release(); // closed meanwhile
                return false;
            }
            if (state.compareAndSet(old, old.replacedBy(fresh, stamps, now))) {
                break;
            }
        }
        metrics.tlsReload("ok");
        LOG.warn("TLS certificates reloaded: new handshakes use them, open sessions keep theirs");
        releaseRetired(now);
        return true;
    }

    /** Reloads when any certificate or key file changed since the last attempt; releases retired generations. */
    public boolean reloadIfChanged() {
        releaseRetired(Instant.now());
        State s = state.get();
        if (s == null || stampFiles().equals(s.stamps())) {
            return false;
        }
        return reload();
    }

    /**
     * Releases the replaced generations whose grace period is over: engines hold their own reference, so open
     * sessions never depend on a generation. Whoever removes one from the state releases it, exactly once.
     */
    private void releaseRetired(Instant now) {
        for (State old = state.get(); old != null; old = state.get()) {
            List<Retired> due = old.retired().stream().filter(r -> !r.releaseAt().isAfter(now)).toList();
            if (due.isEmpty()) {
                return;
            }
            if (state.compareAndSet(old, old.withoutRetired(due))) {
                due.forEach(r -> r.contexts().release());
                return;
            }
        }
    }

    /** Watches the files (which also releases retired generations) and rotates ticket keys, on {@code scheduler}. */
    public void start(ScheduledExecutorService scheduler) {
        long check = config.reloadInterval().toMillis();
        tasks.add(scheduler.scheduleWithFixedDelay(this::reloadIfChanged, check, check, TimeUnit.MILLISECONDS));
        long rotate = config.sessions().ticketKeyRotation().toMillis();
        tasks.add(scheduler.scheduleAtFixedRate(this::rotateTicketKeys, rotate, rotate, TimeUnit.MILLISECONDS));
    }

    /** A new ticket-encrypting key for every context; tickets under the previous key still resume. */
    public void rotateTicketKeys() {
        var keys = tickets.rotate();
        State s = state.get();
        if (s == null) {
            return;
        }
        for (SslContext ctx : s.contexts().all()) {
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

    private double secondsLeft(String name) {
        State s = state.get();
        Instant notAfter = s == null ? null : s.contexts().notAfter().get(name);
        return notAfter == null ? Double.NaN : Duration.between(Instant.now(), notAfter).toSeconds();
    }

    private TlsSnapshot current() {
        State s = state.get();
        if (s == null) {
            throw new IllegalStateException("TLS contexts closed");
        }
        return s.contexts();
    }

    public SslProvider provider() {
        return provider;
    }

    /** The context for a server name (SNI), or the default one. */
    public SslContext select(String serverName) {
        return current().select(serverName, true);
    }

    /** The context for a server name (SNI) and a client that can or cannot verify an ECDSA certificate. */
    SslContext select(String serverName, boolean acceptsEcdsa) {
        return current().select(serverName, acceptsEcdsa);
    }

    /**
     * The first TLS handler of a connection: reads the ClientHello, enforces the listener's ALPN policy, picks
     * the certificate by SNI, then puts a real {@link SslHandler} in its place.
     */
    public ChannelHandler newClientHelloHandler(ListenerConfig listener, ProxyMetrics metrics) {
        return new ClientHelloHandler(this, listener, metrics, handshakeTimeout);
    }

    SslHandler newHandler(SslContext context, ByteBufAllocator alloc) {
        SslHandler handler;
        if (context instanceof ReferenceCountedOpenSslContext) {
            // BoringSSL contexts prefer the server's cipher order already (Netty sets SSL_OP_CIPHER_SERVER_PREFERENCE
            // on the context): no per-connection SSLParameters round trip, which copies every setting each time
            handler = context.newHandler(alloc);
        } else {
            SSLEngine engine = context.newEngine(alloc);
            SSLParameters parameters = engine.getSSLParameters();
            parameters.setUseCipherSuitesOrder(true);
            engine.setSSLParameters(parameters);
            handler = new SslHandler(engine);
        }
        handler.setHandshakeTimeout(handshakeTimeout.toMillis(), TimeUnit.MILLISECONDS);
        // A relayed read of the backend (up to 64 KiB) is encrypted in one go into one buffer of several records,
        // instead of one buffer, one outbound entry and one engine call per 16 KiB record
        handler.setWrapDataSize(WRAP_DATA_SIZE);
        return handler;
    }

    /** Seconds until the named certificate set expires (for tests and the admin API). */
    public Instant notAfter(String name) {
        return Objects.requireNonNull(current().notAfter().get(name), name);
    }

    @Override
    public void close() {
        // A reload that replaces this instance must not leave its watch and rotation running against it.
        tasks.forEach(t -> t.cancel(false));
        State s = state.getAndSet(null);
        if (s != null) {
            s.contexts().release();
            s.retired().forEach(r -> r.contexts().release());
        }
    }
}
