package dev.postern.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.BooleanSupplier;
import java.util.function.DoubleSupplier;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/** {@link ProxyMetrics} on Micrometer. Meter names: {@code postern.*}, base units, no per-user tags. */
public final class MicrometerProxyMetrics implements ProxyMetrics {
    private final MeterRegistry registry;
    private final Map<String, LongAdder> active = new ConcurrentHashMap<>();
    private final Map<String, Counter> accepted = new ConcurrentHashMap<>();
    /** Login timers by outcome, each built on first use and then only looked up. */
    private final Map<String, Timer> logins = new ConcurrentHashMap<>();
    private final Counter rejected;
    private final Map<String, Counter> handshakes = new ConcurrentHashMap<>();
    private final Map<String, Counter> limits = new ConcurrentHashMap<>();
    private final Map<String, Counter> resumed = new ConcurrentHashMap<>();
    private final LongAdder relays = new LongAdder();
    /** Failure delays by scope (base, address, user), built up front. */
    private final Map<String, Timer> delays = new ConcurrentHashMap<>();
    private final Map<String, Counter> reloads = new ConcurrentHashMap<>();
    private final Map<String, Counter> protocols = new ConcurrentHashMap<>();
    private final Counter bytesIn;
    private final Counter bytesOut;
    /** Micrometer holds a function counter's source weakly: these keep the route cache's binder alive. */
    private final List<Object> sources = new CopyOnWriteArrayList<>();
    private final java.util.concurrent.atomic.AtomicReference<Supplier<CacheCounts>> routeCounts =
            new java.util.concurrent.atomic.AtomicReference<>();

    public MicrometerProxyMetrics(MeterRegistry registry) {
        this.registry = registry;
        logins.put("ok", loginTimer("ok"));
        this.rejected = Counter.builder("postern.login.rejected").description("logins refused by a backend").register(registry);
        registry.gauge("postern.relay.active", relays, LongAdder::doubleValue);
        // The accept-time caps exist from the start, so a dashboard shows 0 rather than nothing.
        for (String limit : List.of("max_connections", "max_connections_per_ip")) {
            limits.computeIfAbsent(limit, l -> Counter.builder("postern.limits.hit").tag("limit", l).register(registry));
        }
        this.bytesIn = Counter.builder("postern.relay.bytes").tag("direction", "client_to_backend").baseUnit("bytes")
                .description("octets relayed, after TLS").register(registry);
        this.bytesOut = Counter.builder("postern.relay.bytes").tag("direction", "backend_to_client").baseUnit("bytes")
                .description("octets relayed, after TLS").register(registry);
        for (String scope : List.of("base", "address", "user")) {
            delays.put(scope, Timer.builder("postern.login.delay").tag("scope", scope)
                    .description("how long failed logins waited for their reply").register(registry));
        }
        for (String outcome : List.of("ok", "failed")) {
            reloads.put(outcome, Counter.builder("postern.tls.reloads").tag("outcome", outcome).register(registry));
        }
    }

    private Timer loginTimer(String outcome) {
        return Timer.builder("postern.login.duration").tag("outcome", outcome).publishPercentileHistogram()
                .minimumExpectedValue(java.time.Duration.ofMillis(1)).maximumExpectedValue(java.time.Duration.ofSeconds(30))
                .description("time from login command to backend answer").register(registry);
    }

    @Override
    public void tlsProtocol(String listener, String protocol) {
        // A handful of values at most (TLSv1.2, TLSv1.3): safe as a label.
        protocols.computeIfAbsent(listener + "/" + protocol, k -> Counter.builder("postern.tls.protocols")
                .tag("listener", listener).tag("protocol", protocol)
                .description("successful client handshakes by TLS version").register(registry)).increment();
    }

    @Override
    public void relayed(boolean fromClient, long octets) {
        (fromClient ? bytesIn : bytesOut).increment(octets);
    }

    /** Registers a listener's meters up front so the hot path only looks them up. */
    public void registerListener(String listener) {
        LongAdder adder = active.computeIfAbsent(listener, l -> new LongAdder());
        registry.gauge("postern.connections.active", io.micrometer.core.instrument.Tags.of("listener", listener), adder, LongAdder::doubleValue);
        accepted.computeIfAbsent(listener, l -> Counter.builder("postern.connections.accepted").tag("listener", l).register(registry));
        handshakeCounter(listener, "ok", "none");
        handshakeCounter(listener, "timeout", "timeout");
        resumed.computeIfAbsent(listener, l -> Counter.builder("postern.tls.resumed").tag("listener", l)
                .description("handshakes that resumed a session").register(registry));
    }

    private Counter handshakeCounter(String listener, String outcome, String reason) {
        return handshakes.computeIfAbsent(listener + "\0" + outcome + "\0" + reason, k -> Counter.builder("postern.tls.handshakes")
                .tag("listener", listener).tag("outcome", outcome).tag("reason", reason).register(registry));
    }

    @Override
    public void connectionOpened(String listener) {
        active.computeIfAbsent(listener, l -> new LongAdder()).increment();
        Counter c = accepted.get(listener);
        if (c != null) {
            c.increment();
        }
    }

    @Override
    public void connectionClosed(String listener) {
        active.computeIfAbsent(listener, l -> new LongAdder()).decrement();
    }

    @Override
    public void login(String outcome, Duration took) {
        logins.computeIfAbsent(outcome, this::loginTimer).record(took);
    }

    @Override
    public void loginRejected() {
        rejected.increment();
    }

    @Override
    public void tlsHandshake(String listener, String outcome, String reason) {
        handshakeCounter(listener, outcome, reason).increment();
    }

    @Override
    public void tlsResumed(String listener) {
        resumed.computeIfAbsent(listener, l -> Counter.builder("postern.tls.resumed").tag("listener", l)
                .register(registry)).increment();
    }

    @Override
    public void tlsReload(String outcome) {
        reloads.computeIfAbsent(outcome, o -> Counter.builder("postern.tls.reloads").tag("outcome", o)
                .register(registry)).increment();
    }

    @Override
    public void certificateExpiry(String name, DoubleSupplier secondsLeft) {
        Gauge.builder("postern.tls.certificate.expiry", secondsLeft::getAsDouble).tag("name", name)
                .baseUnit("seconds").description("seconds until the certificate expires").register(registry);
    }

    @Override
    public void routeCache(Supplier<CacheCounts> counts) {
        // A reload brings a new cache: the meters stay, and read the newest one.
        if (routeCounts.getAndSet(counts) == null) {
            CacheCountsBinder binder = new CacheCountsBinder(() -> routeCounts.get().get(), "postern.route.cache");
            sources.add(binder);
            binder.bindTo(registry);
        }
    }

    @Override
    public void backend(String backend, BooleanSupplier up, BooleanSupplier draining, LongSupplier sessions) {
        Gauge.builder("postern.backend.up", () -> up.getAsBoolean() ? 1 : 0).tag("backend", backend)
                .description("1 when the backend passes its health checks").register(registry);
        Gauge.builder("postern.backend.draining", () -> draining.getAsBoolean() ? 1 : 0).tag("backend", backend)
                .register(registry);
        Gauge.builder("postern.backend.sessions", sessions::getAsLong).tag("backend", backend)
                .description("relayed sessions on the backend").register(registry);
    }

    @Override
    public void relayStarted() {
        relays.increment();
    }

    @Override
    public void relayEnded() {
        relays.decrement();
    }

    @Override
    public void limitHit(String limit) {
        limits.computeIfAbsent(limit, l -> Counter.builder("postern.limits.hit").tag("limit", l).register(registry)).increment();
    }

    @Override
    public void loginDelay(String scope, Duration delay) {
        Timer timer = delays.get(scope);
        if (timer != null) {
            timer.record(delay);
        }
    }
}
