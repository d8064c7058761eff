package dev.postern.bench.compare;

import dev.postern.testing.PosternProcess;
import dev.postern.testing.Ports;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Postern as the Debian package's launcher runs it (its default JVM options, deploy/deb/postern),
 * its own process, one implicit-TLS listener in front of the Dovecot, {@code tls.groups} pinned, limits wide enough
 * for the load (the benchmark measures the proxy, not its refusals).
 */
final class PosternUnderTest implements ProxyUnderTest {
    private static final Path LAUNCHER = Path.of("deploy/deb/postern");
    private final PosternProcess process;
    private final int port;
    private final String label;

    private PosternUnderTest(PosternProcess process, int port, String label) {
        this.process = process;
        this.port = port;
        this.label = label;
    }

    /** @param groups BoringSSL's names, e.g. {@code [X25519]} or {@code [X25519MLKEM768, X25519]} */
    static PosternUnderTest start(Setup setup, String groups, String label) {
        int port = Ports.closedPort();
        String yaml = """
                listeners:
                  - {name: imaps, bind: "127.0.0.1:%d", tls: implicit}
                tls: {certificate: %s, key: %s, groups: %s%s}
                pools:
                  main: {backends: ["127.0.0.1:%d"]}
                routes:
                  default_pool: main
                limits: {max_connections: 20000, max_connections_per_ip: 20000, max_sessions_per_user: 20000}
                """.formatted(port, setup.certificate(), setup.key(), groups, tlsExtra(), setup.backendPort());
        // POSTERN_JAVA_OPTS replaces the launcher's options (to measure JVM settings)
        String override = System.getenv("POSTERN_JAVA_OPTS");
        List<String> options = List.of((override == null ? launcherOptions() : override).strip().split("\\s+"));
        // POSTERN_JAVA_HOME runs it on another runtime (Java 21 or 25 beside the 17 it ships for)
        String javaHome = System.getenv().getOrDefault("POSTERN_JAVA_HOME", System.getProperty("java.home"));
        return new PosternUnderTest(PosternProcess.start(yaml, options, Path.of(javaHome)), port, label);
    }

    /** The launcher's default JVM options (its {@code opts=${JAVA_OPTS:-...}} line) and its out-of-memory exit. */
    static String launcherOptions() {
        try {
            String line = Files.readAllLines(LAUNCHER).stream().filter(l -> l.startsWith("opts=${JAVA_OPTS:-"))
                    .findFirst().orElseThrow(() -> new IllegalStateException(LAUNCHER + " has no default options"));
            return line.substring("opts=${JAVA_OPTS:-".length(), line.lastIndexOf('}'))
                    + " -XX:+ExitOnOutOfMemoryError";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** POSTERN_TLS_EXTRA, e.g. {@code sessions: {cache_size: 0}}, adds keys to the tls section (to try a setting). */
    private static String tlsExtra() {
        String extra = System.getenv("POSTERN_TLS_EXTRA");
        return extra == null || extra.isBlank() ? "" : ", " + extra.strip();
    }

    @Override
    public String name() {
        return label;
    }

    @Override
    public int port() {
        return port;
    }

    @Override
    public long pid() {
        return process.pid();
    }

    /** The running process (for jcmd accounting). */
    PosternProcess process() {
        return process;
    }

    /** Micrometer's count of what the heap allocated (updated at each young collection: every few ms under load). */
    @Override
    public double allocatedBytes() {
        try {
            return process.metrics().sum("jvm_gc_memory_allocated_bytes_total");
        } catch (IOException e) {
            return Double.NaN;
        }
    }

    @Override
    public void close() {
        process.close();
    }
}
