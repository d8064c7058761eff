package dev.postern.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.postern.config.TlsConfig;
import dev.postern.metrics.MicrometerProxyMetrics;
import dev.postern.testing.TestCertificates;
import dev.postern.testing.TestCertificates.KeyType;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Certificate reloads on the live contexts, with BoringSSL's reference-counted contexts so that a generation
 * never released shows up as a LEAK (which fails the build).
 */
class ServerTlsTest {
    @TempDir
    Path dir;

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final MicrometerProxyMetrics metrics = new MicrometerProxyMetrics(registry);

    private TlsConfig config() {
        return new TlsConfig(dir.resolve("server.crt"), dir.resolve("server.key"), false, List.of(), List.of(),
                "openssl", List.of(), TlsConfig.SessionConfig.DEFAULTS, Duration.ofSeconds(5));
    }

    private TestCertificates.Issued certificate(Duration validFor) {
        Instant now = Instant.now();
        return TestCertificates.selfSigned(dir, "server", KeyType.ECDSA_P256, "localhost", List.of("localhost"),
                now.minus(Duration.ofHours(1)), now.plus(validFor));
    }

    private double reloads(String outcome) {
        return registry.get("postern.tls.reloads").tag("outcome", outcome).counter().count();
    }

    private double expiryGauge() {
        return registry.get("postern.tls.certificate.expiry").tag("name", "default").gauge().value();
    }

    @Test
    void aReloadSwapsInTheNewCertificateAndTheGaugeFollows() throws Exception {
        certificate(Duration.ofDays(30));
        try (ServerTls tls = ServerTls.load(config(), Duration.ofSeconds(5), metrics)) {
            Instant before = tls.notAfter("default");
            assertEquals(Duration.ofDays(30).toSeconds(), expiryGauge(), 120);

            TestCertificates.Issued next = certificate(Duration.ofDays(60));
            assertTrue(tls.reload());
            assertEquals(next.certificate().getNotAfter().toInstant(), tls.notAfter("default"));
            assertNotEquals(before, tls.notAfter("default"));
            assertEquals(Duration.ofDays(60).toSeconds(), expiryGauge(), 120);
            assertEquals(1.0, reloads("ok"));
            assertEquals(0.0, reloads("failed"));
        }
    }

    @Test
    void aBrokenReplacementKeepsTheRunningCertificateIsCountedAndNotRetried() throws Exception {
        certificate(Duration.ofDays(30));
        try (ServerTls tls = ServerTls.load(config(), Duration.ofSeconds(5), metrics)) {
            Instant running = tls.notAfter("default");
            Files.writeString(dir.resolve("server.crt"), "not a certificate");
            assertTrue(tls.select("localhost") != null);

            assertFalse(tls.reloadIfChanged(), "a broken file was taken");
            assertEquals(running, tls.notAfter("default"));
            assertEquals(1.0, reloads("failed"));
            assertFalse(tls.reloadIfChanged(), "an unchanged broken file is not tried again");
            assertEquals(1.0, reloads("failed"));
            assertEquals(0.0, reloads("ok"));
        }
    }

    @Test
    void anUnchangedFileIsNotReloaded() throws Exception {
        certificate(Duration.ofDays(30));
        try (ServerTls tls = ServerTls.load(config(), Duration.ofSeconds(5), metrics)) {
            assertFalse(tls.reloadIfChanged());
            assertEquals(0.0, reloads("ok") + reloads("failed"));
        }
    }

    /** Racing reloads (the file watcher and SIGHUP) all land, and close releases every generation they made. */
    @Test
    void concurrentReloadsAllLandAndCloseReleasesEveryGeneration() throws Exception {
        certificate(Duration.ofDays(30));
        int threads = 4;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try (ServerTls tls = ServerTls.load(config(), Duration.ofSeconds(5), metrics)) {
            TestCertificates.Issued next = certificate(Duration.ofDays(60));
            CountDownLatch start = new CountDownLatch(1);
            List<Future<Boolean>> results = new ArrayList<>();
            for (int i = 0; i < threads; i++) {
                results.add(pool.submit(() -> {
                    start.await();
                    return tls.reload();
                }));
            }
            start.countDown();
            for (Future<Boolean> result : results) {
                assertTrue(result.get(30, TimeUnit.SECONDS));
            }
            assertEquals(threads, reloads("ok"));
            assertEquals(next.certificate().getNotAfter().toInstant(), tls.notAfter("default"));
        } finally {
            pool.shutdownNow();
        }
    }
}
