package dev.postern.route;

import com.unboundid.ldap.sdk.Filter;
import com.unboundid.ldap.sdk.LDAPConnectionPool;
import com.unboundid.ldap.sdk.LDAPException;
import com.unboundid.ldap.sdk.ResultCode;
import com.unboundid.ldap.sdk.ServerSet;
import com.unboundid.ldap.sdk.SearchRequest;
import com.unboundid.ldap.sdk.SearchResult;
import com.unboundid.ldap.sdk.SearchResultEntry;
import com.unboundid.ldap.sdk.SearchScope;
import com.unboundid.ldap.sdk.SimpleBindRequest;
import dev.postern.config.HostPort;
import dev.postern.config.RouteSourceConfig;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinWorkerThread;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Routes from LDAP (UnboundID SDK): a search under {@code base_dn} with the configured filter, the login key
 * escaped per RFC 4515 (so {@code *)(uid=*} matches nothing but itself), and {@code attribute} read as a pool name
 * or {@code host[:port]} (e.g. {@code mailHost}). The SDK blocks, so searches run on this source's own bounded
 * executor, never on an event loop; a full queue is a temporary failure. No entry: unknown here.
 */
public final class LdapRouteSource implements RouteSource {
    private static final Logger LOG = LoggerFactory.getLogger(LdapRouteSource.class);

    private final RouteSourceConfig.Ldap config;
    private final Set<String> pools;
    private final LdapFilterTemplate filter;
    private final LDAPConnectionPool pool;
    private final ForkJoinPool executor;
    /** Searches running or waiting; at most threads + queue. */
    private final AtomicInteger pending = new AtomicInteger();

    public LdapRouteSource(RouteSourceConfig.Ldap config, Set<String> pools) throws LDAPException {
        this.config = config;
        this.pools = Set.copyOf(pools);
        this.filter = new LdapFilterTemplate(config.filter());
        ServerSet servers = LdapServers.of(config, LdapServers.options(config));
        SimpleBindRequest bind = config.bindDn() == null ? null : new SimpleBindRequest(config.bindDn(), config.bindPassword());
        // No connection is required at start: a directory that is down now must not stop the proxy.
        this.pool = new LDAPConnectionPool(servers, bind, 0, config.poolSize(), null, false);
        this.pool.setRetryFailedOperationsDueToInvalidConnections(true);
        // A ForkJoinPool: handing it a task from an event loop is lock-free (a ThreadPoolExecutor takes locks that
        // can park the event loop under contention); the bound is kept by a counter instead of a bounded queue.
        this.executor = new ForkJoinPool(config.threads(), pool -> {
            ForkJoinWorkerThread t = ForkJoinPool.defaultForkJoinWorkerThreadFactory.newThread(pool);
            t.setName("postern-ldap-" + t.getPoolIndex());
            t.setDaemon(true);
            return t;
        }, null, false);
    }

    /** The search filter for a login key, every value RFC 4515-escaped. */
    String filterFor(String loginKey) {
        return filter.expand(loginKey);
    }

    /** The search filter for a request: its login key and ({@code %r}) its client's address. */
    String filterFor(LookupRequest request) {
        return filter.expand(request.loginKey(),
                request.client() == null ? "" : request.client().getAddress().getHostAddress());
    }

    @Override
    public CompletableFuture<Optional<Route>> lookup(LookupRequest request) {
        if (pending.incrementAndGet() > config.threads() + config.queue()) {
            pending.decrementAndGet();
            return CompletableFuture.failedFuture(new IllegalStateException("ldap: lookup queue full"));
        }
        try {
            return CompletableFuture.supplyAsync(() -> {
                try {
                    return search(request);
                } finally {
                    pending.decrementAndGet();
                }
            }, executor);
        } catch (RejectedExecutionException e) {
            pending.decrementAndGet();
            return CompletableFuture.failedFuture(new IllegalStateException("ldap: source closed"));
        }
    }

    private Optional<Route> search(LookupRequest request) {
        String loginKey = request.loginKey();
        try {
            SearchRequest search = new SearchRequest(config.baseDn(), SearchScope.SUB, Filter.create(filterFor(request)),
                    config.attribute());
            search.setSizeLimit(2);
            search.setTimeLimitSeconds((int) Math.max(1, config.timeout().toSeconds()));
            SearchResult result = searchWithRetry(search);
            if (result.getEntryCount() == 0) {
                return Optional.empty();
            }
            if (result.getEntryCount() > 1) {
                throw new IllegalStateException("ldap: more than one entry for the filter");
            }
            SearchResultEntry entry = result.getSearchEntries().get(0);
            String value = entry.getAttributeValue(config.attribute());
            if (value == null || value.isBlank()) {
                return Optional.empty();
            }
            value = value.strip();
            if (pools.contains(value)) {
                return Optional.of(new Route.ToPool(value));
            }
            // host:port, [v6]:port, or a bare host (or bare IPv6 address) on the default port.
            boolean hasPort = value.startsWith("[") || value.indexOf(':') >= 0 && value.indexOf(':') == value.lastIndexOf(':');
            HostPort target = hasPort ? HostPort.parse(value) : new HostPort(value, config.defaultPort());
            return Optional.of(new Route.ToBackend(target));
        } catch (LDAPException e) {
            if (e.getResultCode() == ResultCode.SIZE_LIMIT_EXCEEDED) {
                throw new IllegalStateException("ldap: more than one entry for the filter");
            }
            throw new IllegalStateException("ldap: " + e.getResultCode() + ": " + e.getDiagnosticMessage(), e);
        }
    }

    /**
     * One search, and once more when its connection died under it ({@code SERVER_DOWN}: a directory that went
     * away): the pool's own retry already took one fresh connection, and that one may still have met the dying
     * server. Not for connect errors or timeouts, which would only double the wait for a directory that is down.
     */
    private SearchResult searchWithRetry(SearchRequest search) throws LDAPException {
        try {
            return pool.search(search);
        } catch (LDAPException e) {
            if (e.getResultCode() != ResultCode.SERVER_DOWN) {
                throw e;
            }
            LOG.debug("ldap search failed on a dead connection ({}), retrying once", e.getResultCode());
            return pool.search(search);
        }
    }

    @Override
    public String name() {
        return "ldap";
    }

    @Override
    public void close() {
        executor.shutdownNow();
        pool.close();
        LOG.debug("ldap source closed");
    }
}
