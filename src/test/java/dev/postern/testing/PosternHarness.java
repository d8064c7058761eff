package dev.postern.testing;

import dev.postern.config.ConfigLoader;
import dev.postern.config.PosternConfig;
import dev.postern.config.TlsConfig;
import dev.postern.server.ProxyServer;
import dev.postern.tls.SelfSignedCertificates;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Postern in this JVM on ephemeral loopback ports: an implicit-TLS listener {@code imaps}, a STARTTLS listener
 * {@code imap} (TLS required) and a plain listener {@code plain} (TLS not required, for byte-level tests), a
 * self-signed test certificate, and one pool of the given backends. The YAML goes through the real loader.
 */
public final class PosternHarness implements AutoCloseable {
    private static final String LISTENERS_AND_TLS = """
            listeners:
              - {name: imaps, bind: "127.0.0.1:0", tls: implicit}
              - {name: imap, bind: "127.0.0.1:0", tls: starttls, require_tls: true}
              - {name: plain, bind: "127.0.0.1:0", tls: none, require_tls: false}
            tls: {certificate: test.crt, key: test.key}
            """;

    private final Path dir;
    private final ProxyServer server;
    private final SimpleMeterRegistry registry;

    private PosternHarness(Path dir, ProxyServer server, SimpleMeterRegistry registry) {
        this.dir = dir;
        this.server = server;
        this.registry = registry;
    }

    /** Starts with {@code pools: {main: backends}} and {@code default_pool: main}; {@code extraYaml} is appended. */
    public static PosternHarness start(String extraYaml, String... backends) {
        StringBuilder yaml = new StringBuilder("""
                pools:
                  main:
                    backends:
                """);
        for (String b : backends) {
            yaml.append("      - \"").append(b).append("\"\n");
        }
        yaml.append("routes:\n  default_pool: main\n");
        yaml.append(extraYaml == null ? "" : extraYaml);
        return launch(yaml.toString());
    }

    /**
     * Starts with the same listeners and TLS files as {@link #start}, then {@code poolsAndRoutesYaml} verbatim (the
     * {@code pools:} and {@code routes:} sections, and any other top-level keys the test needs). Nothing else is
     * added: no pool, no default pool.
     */
    public static PosternHarness startWithYaml(String poolsAndRoutesYaml) {
        return launch(poolsAndRoutesYaml.endsWith("\n") ? poolsAndRoutesYaml : poolsAndRoutesYaml + "\n");
    }

    /**
     * Starts from a whole config written by the test: {@code yaml} is saved as {@code dir/postern.yaml} and loaded
     * as is (relative certificate paths resolve against {@code dir}); no listener, certificate or pool is added.
     * {@link #close()} deletes {@code dir}.
     */
    public static PosternHarness startWithFullYaml(Path dir, String yaml) {
        try {
            Path file = dir.resolve("postern.yaml");
            Files.writeString(file, yaml, StandardCharsets.UTF_8);
            PosternConfig config = ConfigLoader.load(file);
            SimpleMeterRegistry registry = new SimpleMeterRegistry();
            return new PosternHarness(dir, ProxyServer.start(config, registry), registry);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (Exception e) {
            throw new IllegalStateException("Postern did not start: " + e.getMessage(), e);
        }
    }

    /** The same registry as {@link #registry()}, typed for tests that read meters directly. */
    public SimpleMeterRegistry meterRegistry() {
        return registry;
    }

    private static PosternHarness launch(String yamlAfterTls) {
        try {
            Path dir = Files.createTempDirectory("postern-it-");
            Path cert = dir.resolve("test.crt");
            Path key = dir.resolve("test.key");
            SelfSignedCertificates.createIfMissing(
                    TlsConfig.of(Map.of("certificate", cert, "key", key, "self_signed_if_missing", true)));
            Path file = dir.resolve("postern.yaml");
            Files.writeString(file, LISTENERS_AND_TLS + yamlAfterTls, StandardCharsets.UTF_8);
            PosternConfig config = ConfigLoader.load(file);
            SimpleMeterRegistry registry = new SimpleMeterRegistry();
            return new PosternHarness(dir, ProxyServer.start(config, registry), registry);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (Exception e) {
            throw new IllegalStateException("Postern did not start: " + e.getMessage(), e);
        }
    }

    /** The meter registry Postern reports to (gauges such as {@code postern.backend.up}). */
    public MeterRegistry registry() {
        return registry;
    }

    public int port(String listener) {
        return server.address(listener).getPort();
    }

    public int implicitTlsPort() {
        return port("imaps");
    }

    public int startTlsPort() {
        return port("imap");
    }

    public int plainPort() {
        return port("plain");
    }

    public ProxyServer server() {
        return server;
    }

    public Path directory() {
        return dir;
    }

    @Override
    public void close() {
        if (server != null) {
            server.shutdown(Duration.ZERO);
        }
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // a temp dir left behind is harmless
        }
    }
}
