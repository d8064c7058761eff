package dev.postern.admin;

import dev.postern.config.HostPort;
import dev.postern.config.PoolConfig;
import dev.postern.route.BackendHealth;
import dev.postern.route.LookupRequest;
import dev.postern.route.RouteChain;
import dev.postern.route.RouteDecision;
import dev.postern.server.ProxyServer;
import dev.postern.session.SessionRecord;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.function.Predicate;

/** What each endpoint does, as {@link Response}s; HTTP plumbing and the token live in {@link AdminHandler}. */
final class AdminApi {
    private final ProxyServer server;
    private final MeterRegistry registry;
    private final ExecutorService reloads;

    AdminApi(ProxyServer server, MeterRegistry registry, ExecutorService reloads) {
        this.server = server;
        this.registry = registry;
        this.reloads = reloads;
    }

    /** Set by POST /drain: /ready says 503 so a load balancer sends new clients elsewhere; sessions go on. */
    private volatile boolean draining;

    /** POST /drain and /undrain: this instance's readiness, and how many sessions it still holds. */
    Response drainInstance(boolean on) {
        draining = on;
        return Response.json(200, Map.of("draining", on, "sessions", server.sessionCount()));
    }

    Response health() {
        return Response.json(200, Map.of("status", "alive"));
    }

    /** Listeners bound and every pool with a usable backend; else 503 and why. */
    Response ready() {
        List<String> reasons = new ArrayList<>();
        if (draining) {
            reasons.add("draining (POST /drain): new clients should go to another instance");
        }
        if (!server.listenersBound()) {
            reasons.add("a listener is not bound");
        }
        BackendHealth health = server.health();
        for (PoolConfig pool : server.config().pools().values()) {
            if (pool.backends().stream().noneMatch(b -> health.isUsable(b.address()))) {
                reasons.add("pool " + pool.name() + " has no usable backend");
            }
        }
        return reasons.isEmpty() ? Response.json(200, Map.of("ready", true))
                : Response.json(503, Map.of("ready", false, "reasons", reasons));
    }

    Response metrics() {
        if (registry instanceof PrometheusMeterRegistry prometheus) {
            return new Response(200, "text/plain; version=0.0.4; charset=utf-8", prometheus.scrape());
        }
        return Response.error(503, "no Prometheus registry in this process");
    }

    Response sessions(Map<String, String> query) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (SessionRecord record : server.sessions()) {
            if (matches(query, false).test(record)) {
                out.add(describe(record));
            }
        }
        return Response.json(200, Map.of("sessions", out, "count", out.size()));
    }

    /** Closes the sessions the filters pick; at least one filter, so a bare call never empties the proxy. */
    Response kick(Map<String, String> query) {
        if (query.keySet().stream().noneMatch(k -> List.of("user", "ip", "backend", "id").contains(k))) {
            return Response.error(400, "name the sessions: user=, ip=, backend= or id=");
        }
        return Response.json(200, Map.of("kicked", server.kick(matches(query, true))));
    }

    private static Predicate<SessionRecord> matches(Map<String, String> query, boolean withId) {
        return record -> (query.get("user") == null || query.get("user").equalsIgnoreCase(record.user()))
                && (query.get("ip") == null || record.context().client() != null
                        && query.get("ip").equals(record.context().client().getAddress().getHostAddress()))
                && (query.get("backend") == null || query.get("backend").equals(record.backend()))
                && (!withId || query.get("id") == null || query.get("id").equals(record.context().id()));
    }

    private static Map<String, Object> describe(SessionRecord record) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("id", record.context().id());
        out.put("listener", record.context().listener());
        out.put("client", record.context().clientText());
        out.put("user", record.user());
        out.put("backend", record.backend());
        out.put("since", record.since().toString());
        out.put("tls", record.tlsProtocol());
        out.put("bytes_in", record.bytesFromClient());
        out.put("bytes_out", record.bytesToClient());
        return out;
    }

    Response backends() {
        return Response.json(200, Map.of("backends", backendList()));
    }

    List<Map<String, Object>> backendList() {
        Map<HostPort, List<String>> pools = new LinkedHashMap<>();
        server.config().pools().values().forEach(pool -> pool.backends().forEach(b ->
                pools.computeIfAbsent(b.address(), a -> new ArrayList<>()).add(pool.name())));
        BackendHealth health = server.health();
        List<Map<String, Object>> out = new ArrayList<>();
        pools.forEach((address, names) -> {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("address", address.toString());
            row.put("pools", names);
            row.put("up", health.isUp(address));
            row.put("draining", health.isDraining(address));
            row.put("sessions", health.sessions(address));
            out.add(row);
        });
        return out;
    }

    /** Drain (or undrain) a backend now; with {@code kick=true} its sessions end too, so their users move. */
    Response drain(Map<String, String> query, boolean draining) {
        String text = query.get("address");
        HostPort address;
        try {
            address = text == null ? null : HostPort.parse(text);
        } catch (IllegalArgumentException e) {
            return Response.error(400, "address=" + text + ": " + e.getMessage());
        }
        if (address == null || !server.health().setDraining(address, draining)) {
            return Response.error(404, "no configured backend " + text);
        }
        int kicked = draining && "true".equals(query.get("kick"))
                ? server.kick(r -> address.toString().equals(r.backend())) : 0;
        return Response.json(200, Map.of("address", address.toString(), "draining", draining, "kicked", kicked));
    }

    Response flush(Map<String, String> query) {
        String user = query.get("user");
        if (user == null) {
            server.router().cache().invalidateAll();
            return Response.json(200, Map.of("flushed", "all"));
        }
        String key = server.router().loginKey(user);
        server.router().cache().invalidate(key);
        return Response.json(200, Map.of("flushed", key));
    }

    /** A dry run: where a login by {@code user} would go now, with each backend's health. */
    CompletableFuture<Response> lookup(Map<String, String> query) {
        String user = query.get("user");
        if (user == null || user.isBlank()) {
            return CompletableFuture.completedFuture(Response.error(400, "user= is required"));
        }
        String key = server.router().loginKey(user);
        LookupRequest request = new LookupRequest(key, null, (InetSocketAddress) null, 1);
        CompletableFuture<String> source = server.router().cache().source() instanceof RouteChain chain
                ? chain.answer(request).thenApply(a -> a.source() == null ? "routes.default_pool" : a.source())
                : CompletableFuture.completedFuture(server.router().cache().source().name());
        return source.thenCombine(server.router().resolve(request), (answeredBy, decision) -> {
                    Map<String, Object> out = new LinkedHashMap<>();
                    out.put("user", key);
                    out.put("source", answeredBy);
                    return respond(out, decision);
                }).exceptionally(error -> {
                    Map<String, Object> out = new LinkedHashMap<>();
                    out.put("user", key);
                    out.put("error", "route lookup failed: " + error.getClass().getSimpleName());
                    return Response.json(502, out);
                });
    }

    /** The decision, the pool and each backend of the user's order with its health. */
    private Response respond(Map<String, Object> out, RouteDecision decision) {
        out.put("decision", decision.getClass().getSimpleName());
        if (decision instanceof RouteDecision.Backends b) {
            BackendHealth health = server.health();
            List<Map<String, Object>> order = new ArrayList<>();
            for (HostPort backend : b.order()) {
                order.add(Map.of("address", backend.toString(), "up", health.isUp(backend),
                        "draining", health.isDraining(backend)));
            }
            out.put("pool", poolOf(b.order().get(0)));
            out.put("backends", order);
        } else {
            out.put("detail", decision.toString());
        }
        return Response.json(200, out);
    }

    private String poolOf(HostPort backend) {
        return server.config().pools().values().stream()
                .filter(p -> p.backends().stream().anyMatch(b -> b.address().equals(backend)))
                .map(PoolConfig::name).findFirst().orElse(null);
    }

    CompletableFuture<Response> reload() {
        return CompletableFuture.supplyAsync(() -> {
            ProxyServer.ReloadResult result = server.reload();
            return Response.json(result.applied() ? 200 : 422,
                    Map.of("applied", result.applied(), "message", result.message()));
        }, reloads);
    }

    Response statusPage() {
        return new Response(200, "text/html; charset=utf-8", StatusPage.render(server, registry, backendList()));
    }
}
