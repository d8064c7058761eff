package dev.postern.server;

import dev.postern.auth.LoginPenalties;
import dev.postern.backend.BackendConnector;
import dev.postern.backend.BackendDialer;
import dev.postern.backend.BackendHealthChecker;
import dev.postern.backend.SessionCaps;
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
import com.github.benmanes.caffeine.cache.Ticker;
import dev.postern.config.RoutesConfig;
import dev.postern.route.AddressResolver;
import dev.postern.route.BackendHealth;
import dev.postern.route.LoginNames;
import dev.postern.route.RouteCache;
import dev.postern.route.RouteChain;
import dev.postern.route.RouteSources;
import dev.postern.route.Router;
import dev.postern.session.PipelineNames;
import dev.postern.session.RateLimitedLog;
import dev.postern.tls.BackendTlsContexts;
import dev.postern.tls.ServerTls;
import dev.postern.tls.TlsSetupException;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
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
 * Starts the listeners of a {@link PosternConfig} and stops them in order: listeners first, then pre-auth
 * sessions with {@code * BYE}, then relayed sessions after a drain period, then the event loops.
 */
public final class ProxyServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ProxyServer.class);
    /** Relay buffers: stop reading a side when 256 KiB wait for its peer; resume below 64 KiB. */
    static final WriteBufferWaterMark WATER_MARK = new WriteBufferWaterMark(64 * 1024, 256 * 1024);
    private final PosternConfig config;
    private final Transport transport;
    private final EventLoopGroup boss;
    private final EventLoopGroup workers;
    private final ExecutorService resolver;
    private final ChannelGroup sessions = new DefaultChannelGroup("sessions", GlobalEventExecutor.INSTANCE);
    private final Map<String, Channel> listeners = new LinkedHashMap<>();
    private final MicrometerProxyMetrics metrics;
    private final ScheduledExecutorService scheduler;
    private final BackendHealth health = new BackendHealth();
    private RouteChain sources;
    private Router router;
    private BackendHealthChecker healthChecker;
    private ServerTls tls;
    private BackendTlsContexts backendTls = BackendTlsContexts.NONE;

    private ProxyServer(PosternConfig config, Transport transport, MeterRegistry registry) {
        this.config = config;
        this.transport = transport;
        this.boss = transport.newGroup(1);
        this.workers = transport.newGroup(0);
        // Host names are resolved here (the JDK resolver blocks). A ForkJoinPool, because handing it work from an
        // event loop takes no lock that could park the loop.
        this.resolver = new ForkJoinPool(2, pool -> {
            var t = ForkJoinPool.defaultForkJoinWorkerThreadFactory.newThread(pool);
            t.setName("postern-resolver-" + t.getPoolIndex());
            t.setDaemon(true);
            return t;
        }, null, false);
        this.metrics = new MicrometerProxyMetrics(registry);
        this.scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "postern-routes");
            t.setDaemon(true);
            return t;
        });
    }

    /** Route sources, cache, pools and backend health. */
    private void buildRouting() throws StartupException {
        RoutesConfig routes = config.routes();
        LoginNames names = new LoginNames(routes.loginNames());
        try {
            sources = RouteSources.build(routes, config.pools().keySet(), names, scheduler);
        } catch (RouteSources.SourceException e) {
            throw new StartupException(e.getMessage(), e);
        }
        RoutesConfig.CacheConfig c = routes.cache();
        RouteCache cache = new RouteCache(sources, new RouteCache.Settings(c.enabled(), c.ttl(), c.negativeTtl(),
                c.refresh(), c.maxEntries()), Ticker.systemTicker(), ForkJoinPool.commonPool());
        sources.onChange(cache::invalidateAll);
        cache.bindMetrics(metrics);
        config.pools().values().forEach(pool -> pool.backends().forEach(b ->
                health.register(b.address(), pool.health(), b.draining())));
        health.bindMetrics(metrics);
        router = new Router(cache, config.pools(), routes.defaultPool(), health, names);
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

    private void bindAll() throws StartupException {
        if (config.listeners().stream().anyMatch(ListenerConfig::usesTls)) {
            try {
                tls = ServerTls.load(config.tls(), config.timeouts().tlsHandshake(), metrics);
            } catch (TlsSetupException e) {
                throw new StartupException(e.getMessage(), e);
            }
            tls.start(scheduler);
        }
        try {
            backendTls = BackendTlsContexts.build(config.pools(), config.routes().unlistedTargets(),
                    config.tls().provider(), config.timeouts().tlsHandshake());
        } catch (TlsSetupException e) {
            throw new StartupException(e.getMessage(), e);
        }
        buildRouting();
        // Summaries of rate-limited failure lines appear within a second, also when the flood has stopped.
        scheduler.scheduleAtFixedRate(RateLimitedLog.FAILURES::flush, 1, 1, TimeUnit.SECONDS);
        BackendDialer dialer = new BackendDialer(transport.channel(), new AddressResolver(resolver), backendTls,
                config.limits(), config.timeouts());
        healthChecker = new BackendHealthChecker(health, workers.next(), dialer);
        healthChecker.start();
        BackendConnector connector = new BackendConnector(router, dialer, sessionCaps());
        ConnectionGate gate = connectionGate();
        // One for every listener: an address or a user is counted wherever it comes in.
        LoginPenalties penalties = new LoginPenalties(config.limits().failureDelay(), config.limits().penalty(),
                config.limits().ipv6Prefix(), config.limits().exemptAddresses(), router::loginKey,
                Ticker.systemTicker(), metrics);
        // One budget for every listener: what clients not logged in make Postern hold, all together.
        MemoryBudget preAuthMemory = new MemoryBudget(config.limits().preauthMemory());
        for (ListenerConfig listener : config.listeners()) {
            metrics.registerListener(listener.name());
            FrontendSettings settings = new FrontendSettings(listener, config.limits(), config.timeouts(),
                    config.greeting(), tls, connector, metrics, penalties, preAuthMemory);
            ServerBootstrap bootstrap = new ServerBootstrap()
                    .group(boss, workers)
                    .channel(transport.serverChannel())
                    .option(ChannelOption.SO_BACKLOG, 1024)
                    .option(ChannelOption.SO_REUSEADDR, true)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childOption(ChannelOption.ALLOW_HALF_CLOSURE, true)
                    .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, WATER_MARK)
                    .childHandler(new FrontendInitializer(settings, gate, ch -> {
                        sessions.add(ch);
                        metrics.connectionOpened(listener.name());
                        ch.closeFuture().addListener(f -> metrics.connectionClosed(listener.name()));
                    }));
            InetSocketAddress address = new InetSocketAddress(listener.bind().host(), listener.bind().port());
            try {
                Channel channel = bootstrap.bind(address).sync().channel();
                listeners.put(listener.name(), channel);
                LOG.info("listener {} on {} (tls: {}{})", listener.name(), channel.localAddress(),
                        listener.tls().name().toLowerCase(), listener.requireTls() ? ", required" : "");
            } catch (Exception e) {
                String why = e instanceof BindException || (e.getMessage() != null && e.getMessage().contains("in use"))
                        ? "address already in use" : String.valueOf(e.getMessage());
                throw new StartupException("listeners." + listener.name() + ": cannot listen on " + listener.bind()
                        + ": " + why, e);
            }
        }
        LOG.info("Postern started: {} listener(s), transport {}", listeners.size(), transport.name());
    }

    /** The per-client caps every listener shares (limits.max_connections, ..._per_ip, ipv6_prefix, exempt). */
    private ConnectionGate connectionGate() {
        LimitsConfig limits = config.limits();
        OpenFileLimit.current().ifPresent(openFiles -> {
            String warning = OpenFileLimit.warning(openFiles, limits.maxConnections());
            if (warning != null) {
                LOG.warn(warning);
            }
        });
        return new ConnectionGate(limits.maxConnections(), limits.maxConnectionsPerIp(), limits.ipv6Prefix(),
                limits.exemptAddresses(), metrics);
    }

    /**
     * limits.max_sessions_per_user and each pool's max_connections_per_backend (a backend in several pools gets the
     * smallest of their caps: it cannot take more than any of them allows).
     */
    private SessionCaps sessionCaps() {
        Map<HostPort, Integer> perBackend = new HashMap<>();
        for (PoolConfig pool : config.pools().values()) {
            if (pool.maxConnectionsPerBackend() != Integer.MAX_VALUE) {
                pool.backends().forEach(b -> perBackend.merge(b.address(), pool.maxConnectionsPerBackend(), Math::min));
            }
        }
        return new SessionCaps(config.limits().maxSessionsPerUser(), perBackend, metrics);
    }

    /** The address a listener is bound to (its port, when the config said 0). */
    public InetSocketAddress address(String listener) {
        return (InetSocketAddress) listeners.get(listener).localAddress();
    }

    /**
     * SIGHUP: re-read certificates and routes files now. Open sessions are untouched; a bad file keeps what runs.
     */
    public void reload() {
        if (tls != null) {
            tls.reload();
        }
        sources.reloadFiles();
    }

    /** The client-facing TLS contexts, or null when no listener uses TLS. */
    public ServerTls tls() {
        return tls;
    }

    public Router router() {
        return router;
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
        listeners.values().forEach(ch -> ch.close().syncUninterruptibly());
        for (Channel session : sessions) {
            session.eventLoop().execute(() -> {
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
    public void close() {
        if (healthChecker != null) {
            healthChecker.close();
        }
        if (sources != null) {
            sources.close();
        }
        scheduler.shutdownNow();
        listeners.values().forEach(Channel::close);
        sessions.close();
        boss.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        workers.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        if (tls != null) {
            tls.close();
            tls = null;
        }
        resolver.shutdownNow();
        backendTls.close();
        backendTls = BackendTlsContexts.NONE;
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
