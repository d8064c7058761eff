package dev.postern.server;

import com.github.benmanes.caffeine.cache.Ticker;
import dev.postern.backend.BackendConnector;
import dev.postern.backend.BackendDialer;
import dev.postern.backend.BackendHealthChecker;
import dev.postern.backend.SessionCaps;
import dev.postern.config.PosternConfig;
import dev.postern.config.RoutesConfig;
import dev.postern.metrics.ProxyMetrics;
import dev.postern.oauth.TokenVerifier;
import dev.postern.oauth.TokenVerifiers;
import dev.postern.route.AddressResolver;
import dev.postern.route.BackendHealth;
import dev.postern.route.LoginNames;
import dev.postern.route.RouteCache;
import dev.postern.route.RouteChain;
import dev.postern.route.RouteSources;
import dev.postern.route.Router;
import dev.postern.tls.BackendTlsContexts;
import dev.postern.tls.TlsSetupException;
import io.netty.channel.EventLoop;
import io.netty.channel.socket.SocketChannel;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The way to the backends that one configuration builds: TLS to backends, route sources and their cache, the
 * router, the dialer, active health checks and the {@link BackendConnector} the listeners log in through. A reload
 * builds a new one beside the running one and {@link #retire}s the old after the swap. Backend health itself
 * ({@link BackendHealth}) and the session caps outlive it: their counts describe connections, not configurations.
 */
final class Routing {
    private final BackendTlsContexts backendTls;
    private final RouteChain sources;
    private final Router router;
    private final BackendHealthChecker healthChecker;
    private final BackendConnector connector;
    /** {@code auth.oauth}'s verifier; null when tokens pass through. */
    private final TokenVerifier verifier;

    private Routing(BackendTlsContexts backendTls, RouteChain sources, Router router,
                    BackendHealthChecker healthChecker, BackendConnector connector, TokenVerifier verifier) {
        this.verifier = verifier;
        this.backendTls = backendTls;
        this.sources = sources;
        this.router = router;
        this.healthChecker = healthChecker;
        this.connector = connector;
    }

    /**
     * Builds everything, starting nothing: on failure what was built is closed again.
     *
     * @param checks the event loop the active health checks run on
     */
    static Routing build(PosternConfig config, BackendHealth health, SessionCaps caps, ProxyMetrics metrics,
                         ScheduledExecutorService scheduler, Class<? extends SocketChannel> channelClass,
                         AddressResolver resolver, EventLoop checks) throws ProxyServer.StartupException {
        BackendTlsContexts backendTls;
        try {
            backendTls = BackendTlsContexts.build(config.pools(), config.routes().unlistedTargets(),
                    config.tls().provider(), config.timeouts().tlsHandshake());
        } catch (TlsSetupException e) {
            throw new ProxyServer.StartupException(e.getMessage(), e);
        }
        RoutesConfig routes = config.routes();
        LoginNames names = new LoginNames(routes.loginNames());
        RouteChain sources;
        try {
            sources = RouteSources.build(routes, config.pools().keySet(), names, scheduler);
        } catch (RouteSources.SourceException e) {
            backendTls.close();
            throw new ProxyServer.StartupException(e.getMessage(), e);
        }
        RoutesConfig.CacheConfig c = routes.cache();
        RouteCache cache = new RouteCache(sources, new RouteCache.Settings(c.enabled(), c.ttl(), c.negativeTtl(),
                c.refresh(), c.maxEntries()), Ticker.systemTicker(), ForkJoinPool.commonPool());
        sources.onChange(cache::invalidateAll);
        cache.bindMetrics(metrics);
        config.pools().values().forEach(pool -> pool.backends().forEach(b ->
                health.register(b.address(), pool.health(), b.draining())));
        health.bindMetrics(metrics);
        Router router = new Router(cache, config.pools(), routes.defaultPool(), health, names);
        BackendDialer dialer;
        TokenVerifier verifier;
        try {
            dialer = new BackendDialer(channelClass, resolver, backendTls, config.limits(), config.timeouts(),
                    config.pools());
            verifier = TokenVerifiers.from(config.oauth());
        } catch (IOException | UncheckedIOException | IllegalArgumentException e) {
            sources.close();
            backendTls.close();
            throw new ProxyServer.StartupException(e.getMessage(), e);
        }
        return new Routing(backendTls, sources, router, new BackendHealthChecker(health, checks, dialer),
                new BackendConnector(router, dialer, caps, verifier), verifier);
    }

    void start() {
        healthChecker.start();
    }

    Router router() {
        return router;
    }

    BackendConnector connector() {
        return connector;
    }

    /** Re-reads the route files (SIGHUP without a config file to re-read). */
    void reloadFiles() {
        sources.reloadFiles();
    }

    /**
     * Replaced by a reload: its health checks stop now; its route sources and backend TLS contexts stay open for
     * {@code linger}, so logins that started on it (a lookup in flight, a backend handshake) finish on it.
     */
    void retire(ScheduledExecutorService scheduler, Duration linger) {
        healthChecker.close();
        scheduler.schedule(this::close, linger.toMillis(), TimeUnit.MILLISECONDS);
    }

    void close() {
        healthChecker.close();
        sources.close();
        backendTls.close();
        if (verifier != null) {
            verifier.close();
        }
    }
}
