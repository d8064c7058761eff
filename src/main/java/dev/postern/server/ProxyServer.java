package dev.postern.server;

import com.github.benmanes.caffeine.cache.Ticker;
import dev.postern.auth.LoginPenalties;
import dev.postern.backend.SessionCaps;
import dev.postern.config.ConfigException;
import dev.postern.config.ConfigLoader;
import dev.postern.config.HostPort;
import dev.postern.config.LimitsConfig;
import dev.postern.config.ListenerConfig;
import dev.postern.config.PoolConfig;
import dev.postern.config.PosternConfig;
import dev.postern.frontend.ConnectionGate;
import dev.postern.frontend.FrontendInitializer;
import dev.postern.frontend.FrontendSettings;
import dev.postern.imap.ImapResponse;
import dev.postern.imap.MemoryBudget;
import dev.postern.metrics.MicrometerProxyMetrics;
import dev.postern.route.AddressResolver;
import dev.postern.route.BackendHealth;
import dev.postern.route.Router;
import dev.postern.session.PipelineNames;
import dev.postern.session.RateLimitedLog;
import dev.postern.tls.ServerTls;
import dev.postern.tls.TlsSetupException;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.netty4.NettyAllocatorMetrics;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufAllocatorMetricProvider;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.Future;
import dev.postern.imap.Credentials;
import dev.postern.session.LoginResult;
import dev.postern.session.SessionContext;
import dev.postern.session.SessionRecord;
import java.util.function.Predicate;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts the listeners of a {@link PosternConfig}, reloads it whole at run time ({@link #reload}), and stops them in
 * order: listeners first, then pre-auth sessions with {@code * BYE}, then relayed sessions after a drain period,
 * then the event loops.
 *
 * <p>What a reload keeps: the event loops, open sessions (each keeps the settings it started with), and the counts
 * that describe connections rather than configuration: the connection gate's slots, backend health and sessions,
 * per-user session counts and login penalties (these two start afresh only when their own limits change), the
 * pre-auth memory budget (likewise). Everything else is built anew beside the running set and swapped in only when
 * all of it (config, certificates, route sources, new listener sockets) came up.
 */
public final class ProxyServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ProxyServer.class);
    /** Relay buffers: stop reading a side when 256 KiB wait for its peer; resume below 64 KiB. */
    static final WriteBufferWaterMark WATER_MARK = new WriteBufferWaterMark(64 * 1024, 256 * 1024);
    private volatile PosternConfig config;
    private final Transport transport;
    private final EventLoopGroup boss;
    private final EventLoopGroup workers;
    private final ExecutorService resolverPool;
    private final AddressResolver resolver;
    private final ChannelGroup sessions = new DefaultChannelGroup("sessions", GlobalEventExecutor.INSTANCE);
    private final Map<String, Listener> listeners = new LinkedHashMap<>();
    private final MicrometerProxyMetrics metrics;
    private final ScheduledExecutorService scheduler;
    private final BackendHealth health = new BackendHealth();
    private final List<Routing> retired = new ArrayList<>();
    private ConnectionGate gate;
    private volatile Routing routing;
    private ServerTls tls;
    private SessionCaps caps;
    private List<Object> capsSettings;
    private LoginPenalties penalties;
    private List<Object> penaltySettings;
    private MemoryBudget preAuthMemory;

    /** One bound listener: its config, its server channel, and the initializer a reload points elsewhere. */
    private record Listener(ListenerConfig config, Channel channel, SwappableInitializer initializer) {
    }

    private ProxyServer(PosternConfig config, Transport transport, MeterRegistry registry) {
        this.config = config;
        this.transport = transport;
        this.boss = transport.newGroup(1);
        // One event loop per core (Netty's default is two): the work is TLS and copying, which a second loop per
        // core only interleaves, and each loop brings its own buffer caches and timers
        this.workers = transport.newGroup(Runtime.getRuntime().availableProcessors());
        // Host names are resolved here (the JDK resolver blocks). A ForkJoinPool, because handing it work from an
        // event loop takes no lock that could park the loop.
        this.resolverPool = new ForkJoinPool(2, pool -> {
            var t = ForkJoinPool.defaultForkJoinWorkerThreadFactory.newThread(pool);
            t.setName("postern-resolver-" + t.getPoolIndex());
            t.setDaemon(true);
            return t;
        }, null, false);
        this.resolver = new AddressResolver(resolverPool);
        this.metrics = new MicrometerProxyMetrics(registry);
        // The relay's buffers: what a slow reader or a leak would grow, beside the JVM's own direct-buffer count.
        if (ByteBufAllocator.DEFAULT instanceof ByteBufAllocatorMetricProvider allocator) {
            new NettyAllocatorMetrics(allocator).bindTo(registry);
        }
        this.scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "postern-routes");
            t.setDaemon(true);
            return t;
        });
    }

    /** Binds every listener; on any failure closes what was opened and throws with the listener named. */
    public static ProxyServer start(PosternConfig config, MeterRegistry registry) throws StartupException {
        ProxyServer server = new ProxyServer(config, Transport.best(), registry);
        try {
            server.bindAll();
            return server;
        } catch (StartupException e) {
            server.close();
            throw e;
        }
    }

    private synchronized void bindAll() throws StartupException {
        LogFormat.apply(config.logging().format());
        tls = loadTls(config);
        if (tls != null) {
            tls.start(scheduler);
        }
        gate = connectionGate(config.limits());
        caps = sessionCaps(config);
        capsSettings = capsSettings(config);
        routing = Routing.build(config, health, caps, metrics, scheduler, transport.channel(), resolver,
                workers.next());
        routing.start();
        // Summaries of rate-limited failure lines appear within a second, also when the flood has stopped.
        scheduler.scheduleAtFixedRate(RateLimitedLog.FAILURES::flush, 1, 1, TimeUnit.SECONDS);
        penalties = penalties(config);
        penaltySettings = penaltySettings(config);
        preAuthMemory = new MemoryBudget(config.limits().preauthMemory());
        for (ListenerConfig listener : config.listeners()) {
            SwappableInitializer initializer = new SwappableInitializer(frontend(listener, config));
            listeners.put(listener.name(), new Listener(listener, bind(listener, initializer), initializer));
        }
        LOG.info("Postern started: {} listener(s), transport {}", listeners.size(), transport.name());
    }

    /** The client-facing TLS of {@code config}, or null when no listener uses TLS. */
    private ServerTls loadTls(PosternConfig config) throws StartupException {
        if (config.listeners().stream().noneMatch(ListenerConfig::usesTls)) {
            return null;
        }
        try {
            return ServerTls.load(config.tls(), config.timeouts().tlsHandshake(), metrics);
        } catch (TlsSetupException e) {
            throw new StartupException(e.getMessage(), e);
        }
    }

    /** One listener's sessions as {@code config} says, on the shared gate, penalties and budget. */
    private FrontendInitializer frontend(ListenerConfig listener, PosternConfig config) {
        metrics.registerListener(listener.name());
        FrontendSettings settings = new FrontendSettings(listener, config.limits(), config.timeouts(),
                config.greeting(), tls, this::login, metrics, penalties, preAuthMemory);
        return new FrontendInitializer(settings, gate, ch -> {
            sessions.add(ch);
            metrics.connectionOpened(listener.name());
            ch.closeFuture().addListener(f -> metrics.connectionClosed(listener.name()));
        });
    }

    private Channel bind(ListenerConfig listener, SwappableInitializer initializer) throws StartupException {
        ServerBootstrap bootstrap = new ServerBootstrap()
                .group(boss, workers)
                .channel(transport.serverChannel())
                .option(ChannelOption.SO_BACKLOG, 1024)
                .option(ChannelOption.SO_REUSEADDR, true)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.ALLOW_HALF_CLOSURE, true)
                .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, WATER_MARK)
                .childHandler(initializer);
        InetSocketAddress address = new InetSocketAddress(listener.bind().host(), listener.bind().port());
        try {
            Channel channel = bootstrap.bind(address).sync().channel();
            LOG.info("listener {} on {} (tls: {}{}{})", listener.name(), channel.localAddress(),
                    listener.tls().name().toLowerCase(), listener.requireTls() ? ", required" : "",
                    listener.proxyProtocol() == null ? "" : ", PROXY protocol from " + listener.proxyProtocol().trusted());
            return channel;
        } catch (Exception e) {
            String why = e instanceof BindException || (e.getMessage() != null && e.getMessage().contains("in use"))
                    ? "address already in use" : String.valueOf(e.getMessage());
            throw new StartupException("listeners." + listener.name() + ": cannot listen on " + listener.bind()
                    + ": " + why, e);
        }
    }

    /** Every login goes through the routing current when its credentials arrive, also on a session from before a reload. */
    private Future<LoginResult> login(SessionContext session, Credentials credentials, int attempt, EventLoop loop) {
        return routing.connector().login(session, credentials, attempt, loop);
    }

    /** The per-client caps every listener shares (limits.max_connections, ..._per_ip, ipv6_prefix, exempt). */
    private ConnectionGate connectionGate(LimitsConfig limits) {
        warnAboutOpenFiles(limits);
        return new ConnectionGate(limits.maxConnections(), limits.maxConnectionsPerIp(), limits.ipv6Prefix(),
                limits.exemptAddresses(), metrics);
    }

    private static void warnAboutOpenFiles(LimitsConfig limits) {
        OpenFileLimit.current().ifPresent(openFiles -> {
            String warning = OpenFileLimit.warning(openFiles, limits.maxConnections());
            if (warning != null) {
                LOG.warn(warning);
            }
        });
    }

    /**
     * limits.max_sessions_per_user and each pool's max_connections_per_backend (a backend in several pools gets the
     * smallest of their caps: it cannot take more than any of them allows).
     */
    private SessionCaps sessionCaps(PosternConfig config) {
        return new SessionCaps(config.limits().maxSessionsPerUser(), perBackendCaps(config), metrics);
    }

    private static Map<HostPort, Integer> perBackendCaps(PosternConfig config) {
        Map<HostPort, Integer> perBackend = new HashMap<>();
        for (PoolConfig pool : config.pools().values()) {
            if (pool.maxConnectionsPerBackend() != Integer.MAX_VALUE) {
                pool.backends().forEach(b -> perBackend.merge(b.address(), pool.maxConnectionsPerBackend(), Math::min));
            }
        }
        return perBackend;
    }

    /** What the session caps are built from: a reload that leaves these alone keeps their counts. */
    private static List<Object> capsSettings(PosternConfig config) {
        return List.of(config.limits().maxSessionsPerUser(), perBackendCaps(config));
    }

    /** One for every listener: an address or a user is counted wherever it comes in. */
    private LoginPenalties penalties(PosternConfig config) {
        LimitsConfig limits = config.limits();
        // Through the field: the router (and its login names) may be replaced by a reload.
        return new LoginPenalties(limits.failureDelay(), limits.penalty(), limits.ipv6Prefix(),
                limits.exemptAddresses(), name -> routing.router().loginKey(name), Ticker.systemTicker(), metrics);
    }

    private static List<Object> penaltySettings(PosternConfig config) {
        LimitsConfig limits = config.limits();
        return List.of(limits.failureDelay(), limits.penalty(), limits.ipv6Prefix(), limits.exempt(),
                config.routes().loginNames());
    }

    /** The address a listener is bound to (its port, when the config said 0). */
    public InetSocketAddress address(String listener) {
        return (InetSocketAddress) listeners.get(listener).channel().localAddress();
    }

    /** What a reload did: applied or not, and a one-line account (the problems, when refused). */
    public record ReloadResult(boolean applied, String message) {
    }

    /**
     * SIGHUP (and the admin API's reload): re-reads the configuration file and applies all of it, listeners, TLS,
     * pools, routes, limits and timeouts included. The new file is validated and everything it needs is built and
     * bound first; a bad file, a certificate that does not load, a route source that cannot start or an address that
     * cannot be bound changes nothing, and the reason is logged and returned. Sessions already open keep the
     * settings they started with. Without a file (a config built in code) it re-reads certificates and route files.
     */
    public synchronized ReloadResult reload() {
        for (EventLoopGroup group : List.of(boss, workers)) {
            for (var loop : group) {
                if (loop.inEventLoop()) {
                    throw new IllegalStateException("reload binds and closes sockets: call it off the event loops");
                }
            }
        }
        if (config.source() == null) {
            if (tls != null) {
                tls.reload();
            }
            routing.reloadFiles();
            return new ReloadResult(true, "certificates and route files re-read");
        }
        PosternConfig next;
        try {
            next = ConfigLoader.load(config.source());
        } catch (ConfigException e) {
            return refused(String.join("; ", e.problems()));
        }
        Staged staged = null;
        try {
            staged = stage(next);
            commit(next, staged);
        } catch (StartupException e) {
            if (staged != null) {
                staged.abandon();
            }
            return refused(e.getMessage());
        }
        String message = "configuration reloaded: " + listeners.size() + " listener(s), " + next.pools().size()
                + " pool(s)";
        LOG.info("{}", message);
        return new ReloadResult(true, message);
    }

    private static ReloadResult refused(String why) {
        LOG.warn("reload refused, nothing changed: {}", why);
        return new ReloadResult(false, why);
    }

    /** What a reload built before anything changed: dropped again if any part fails. */
    private final class Staged {
        ServerTls tls;
        boolean newTls;
        Routing routing;
        final Map<String, Channel> bound = new LinkedHashMap<>();
        final Map<String, SwappableInitializer> initializers = new LinkedHashMap<>();

        void abandon() {
            // Closed before the refusal is answered: a client must not reach a listener the reload never applied.
            bound.values().forEach(channel -> channel.close().syncUninterruptibly());
            if (routing != null) {
                routing.close();
            }
            if (newTls && tls != null) {
                tls.close();
            }
        }
    }

    private Staged stage(PosternConfig next) throws StartupException {
        Staged staged = new Staged();
        try {
            boolean sameTls = tls != null && next.tls().equals(config.tls())
                    && next.timeouts().tlsHandshake().equals(config.timeouts().tlsHandshake());
            if (sameTls && next.listeners().stream().anyMatch(ListenerConfig::usesTls)) {
                tls.reload(); // the same settings: re-read the files, keep the running contexts on failure
                staged.tls = tls;
            } else {
                staged.tls = loadTls(next);
                staged.newTls = staged.tls != null;
            }
            SessionCaps nextCaps = capsSettings(next).equals(capsSettings) ? caps : sessionCaps(next);
            staged.routing = Routing.build(next, health, nextCaps, metrics, scheduler, transport.channel(), resolver,
                    workers.next());
            for (ListenerConfig listener : next.listeners()) {
                Listener running = listeners.get(listener.name());
                if (running == null || !running.config().bind().equals(listener.bind())) {
                    SwappableInitializer initializer = new SwappableInitializer(null);
                    staged.initializers.put(listener.name(), initializer);
                    staged.bound.put(listener.name(), bind(listener, initializer));
                }
            }
            if (nextCaps != caps) {
                caps = nextCaps;
                capsSettings = capsSettings(next);
            }
            return staged;
        } catch (StartupException | RuntimeException e) {
            staged.abandon();
            throw e instanceof StartupException se ? se : new StartupException(String.valueOf(e.getMessage()), e);
        }
    }

    /** Swaps the staged set in; nothing here can fail half-way. */
    private void commit(PosternConfig next, Staged staged) {
        PosternConfig previous = config;
        Routing oldRouting = routing;
        ServerTls oldTls = tls;
        routing = staged.routing;
        tls = staged.tls;
        gate.reconfigure(next.limits().maxConnections(), next.limits().maxConnectionsPerIp(),
                next.limits().ipv6Prefix(), next.limits().exemptAddresses());
        if (!penaltySettings(next).equals(penaltySettings)) {
            penalties = penalties(next);
            penaltySettings = penaltySettings(next);
        }
        if (next.limits().preauthMemory() != previous.limits().preauthMemory()) {
            preAuthMemory = new MemoryBudget(next.limits().preauthMemory());
        }
        config = next;
        LogFormat.apply(next.logging().format());
        Map<String, Listener> kept = new LinkedHashMap<>();
        for (ListenerConfig listener : next.listeners()) {
            Channel fresh = staged.bound.get(listener.name());
            Listener running = listeners.remove(listener.name());
            if (fresh != null) {
                SwappableInitializer initializer = staged.initializers.get(listener.name());
                initializer.use(frontend(listener, next));
                kept.put(listener.name(), new Listener(listener, fresh, initializer));
                if (running != null) {
                    running.channel().close().syncUninterruptibly(); // rebound: the old address stops taking clients
                }
            } else {
                running.initializer().use(frontend(listener, next));
                kept.put(listener.name(), new Listener(listener, running.channel(), running.initializer()));
            }
        }
        listeners.values().forEach(removed -> {
            LOG.info("listener {} on {} closed by reload", removed.config().name(), removed.channel().localAddress());
            removed.channel().close().syncUninterruptibly();
        });
        listeners.clear();
        listeners.putAll(kept);
        routing.start();
        if (staged.newTls) {
            staged.tls.start(scheduler);
        }
        if (oldTls != null && oldTls != tls) {
            // Handshakes that picked a context of the old set just now still get their engine from it.
            scheduler.schedule(oldTls::close, ServerTls.RETIRE_AFTER.toMillis(), TimeUnit.MILLISECONDS);
        }
        retired.add(oldRouting);
        oldRouting.retire(scheduler, previous.timeouts().login().plus(previous.timeouts().backendLogin()));
        warnAboutOpenFiles(next.limits());
    }

    /** The client-facing TLS contexts, or null when no listener uses TLS. */
    public ServerTls tls() {
        return tls;
    }

    public Router router() {
        return routing.router();
    }

    /** The configuration running now (the last one a reload applied). */
    public PosternConfig config() {
        return config;
    }

    /** What is known of every session open now. */
    public List<SessionRecord> sessions() {
        List<SessionRecord> out = new ArrayList<>();
        for (Channel channel : sessions) {
            SessionRecord record = channel.attr(SessionRecord.KEY).get();
            if (record != null) {
                out.add(record);
            }
        }
        return out;
    }

    /**
     * Closes the sessions {@code which} picks, each on its own event loop: one not logged in yet gets
     * {@code * BYE} first, a relayed one is closed on both sides. Answers how many were picked.
     */
    public int kick(Predicate<SessionRecord> which) {
        int count = 0;
        for (Channel channel : sessions) {
            SessionRecord record = channel.attr(SessionRecord.KEY).get();
            if (record == null || !which.test(record)) {
                continue;
            }
            count++;
            channel.eventLoop().execute(() -> {
                record.ending("kicked");
                if (channel.pipeline().get(PipelineNames.PRE_AUTH) != null) {
                    channel.writeAndFlush(ImapResponse.untagged("BYE Disconnected by the administrator"))
                            .addListener(ChannelFutureListener.CLOSE);
                } else {
                    channel.close(); // the relay closes the backend side with it
                }
            });
        }
        return count;
    }

    /** Backend health and session counts, shared by every configuration generation. */
    public BackendHealth health() {
        return health;
    }

    /** The transport's listening-socket class, for other listeners on {@link #eventLoops()} (the admin API). */
    public Class<? extends io.netty.channel.socket.ServerSocketChannel> serverChannelClass() {
        return transport.serverChannel();
    }

    /** The event loops sessions run on; the admin API runs on them too. */
    public EventLoopGroup eventLoops() {
        return workers;
    }

    /** Every configured listener has its socket. */
    public synchronized boolean listenersBound() {
        return listeners.size() == config.listeners().size()
                && listeners.values().stream().allMatch(l -> l.channel().isActive());
    }

    /** Sessions open now, pre-auth and relayed. */
    public int sessionCount() {
        return sessions.size();
    }

    /**
     * Ordered shutdown: stop accepting; say {@code * BYE} to pre-auth sessions; give relayed sessions up to
     * {@code drain} to end on their own; close the rest; stop the event loops.
     */
    public void shutdown(Duration drain) {
        listeners.values().forEach(l -> l.channel().close().syncUninterruptibly());
        for (Channel session : sessions) {
            session.eventLoop().execute(() -> {
                dev.postern.session.SessionRecord.of(session).ending("shutdown");
                if (session.pipeline().get(PipelineNames.PRE_AUTH) != null) {
                    session.writeAndFlush(ImapResponse.untagged("BYE Server shutting down"))
                            .addListener(ChannelFutureListener.CLOSE);
                }
            });
        }
        long deadline = System.nanoTime() + drain.toNanos();
        while (!sessions.isEmpty() && System.nanoTime() < deadline) {
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        if (!sessions.isEmpty()) {
            LOG.info("closing {} session(s) still open after the drain period", sessions.size());
        }
        sessions.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
        close();
    }

    @Override
    public synchronized void close() {
        if (routing != null) {
            routing.close();
        }
        retired.forEach(Routing::close);
        scheduler.shutdownNow();
        listeners.values().forEach(l -> l.channel().close());
        sessions.close();
        boss.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        workers.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        if (tls != null) {
            tls.close();
            tls = null;
        }
        resolverPool.shutdownNow();
    }

    /** Why the proxy could not start; the message is one line naming the cause. */
    public static final class StartupException extends Exception {
        public StartupException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    List<String> listenerNames() {
        return new ArrayList<>(listeners.keySet());
    }
}
