package dev.postern.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The meters registered for state that lives elsewhere: names and tags as before they moved behind ProxyMetrics. */
class MicrometerProxyMetricsTest {
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final MicrometerProxyMetrics metrics = new MicrometerProxyMetrics(registry);

    @Test
    void backendGaugesReadTheBackendsStateWhenRead() {
        AtomicBoolean up = new AtomicBoolean(true);
        AtomicBoolean draining = new AtomicBoolean();
        AtomicLong sessions = new AtomicLong(3);
        metrics.backend("10.0.0.1:143", up::get, draining::get, sessions::get);
        up.set(false);
        draining.set(true);
        sessions.set(5);
        System.gc(); // the gauges must hold their suppliers strongly
        assertEquals(0.0, registry.get("postern.backend.up").tag("backend", "10.0.0.1:143").gauge().value());
        assertEquals(1.0, registry.get("postern.backend.draining").tag("backend", "10.0.0.1:143").gauge().value());
        assertEquals(5.0, registry.get("postern.backend.sessions").tag("backend", "10.0.0.1:143").gauge().value());
    }

    @Test
    void tlsReloadsAreCountedByOutcomeFromTheStart() {
        assertEquals(0.0, registry.get("postern.tls.reloads").tag("outcome", "ok").counter().count());
        metrics.tlsReload("failed");
        assertEquals(1.0, registry.get("postern.tls.reloads").tag("outcome", "failed").counter().count());
    }

    @Test
    void certificateExpiryIsAGaugeInSecondsPerName() {
        metrics.certificateExpiry("default", () -> 86_400);
        System.gc();
        var gauge = registry.get("postern.tls.certificate.expiry").tag("name", "default").gauge();
        assertEquals(86_400.0, gauge.value());
        assertEquals("seconds", gauge.getId().getBaseUnit());
    }

    @Test
    void cacheCountsAreReadWhenTheMetersAreRead() {
        AtomicLong hits = new AtomicLong();
        metrics.routeCache(() -> new CacheCounts(7, hits.get(), 2, 3, 2, 1, 5_000_000, 4, 4));
        hits.set(11);
        System.gc(); // the binder keeps its source alive
        assertEquals(11.0, registry.get("cache.gets").tags("cache", "postern.route.cache", "result", "hit")
                .functionCounter().count());
        assertEquals(7.0, registry.get("cache.size").tag("cache", "postern.route.cache").gauge().value());
        assertEquals(1.0, registry.get("cache.load").tags("cache", "postern.route.cache", "result", "failure")
                .functionCounter().count());
    }
}
