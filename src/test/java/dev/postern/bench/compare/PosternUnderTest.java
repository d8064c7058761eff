package dev.postern.bench.compare;

import dev.postern.testing.PosternProcess;
import dev.postern.testing.Ports;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Postern as the Debian package's launcher runs it (deploy/deb/postern: its default JVM options and class-data
 * archive), its own process, one implicit-TLS listener in front of the Dovecot, {@code tls.groups} pinned, limits
 * wide enough for the load (the benchmark measures the proxy, not its refusals).
 */
final class PosternUnderTest implements ProxyUnderTest {
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
        // POSTERN_JAVA_HOME runs it on another runtime (Java 21 or 25 beside the 17 it ships for)
        Path javaHome = Path.of(System.getenv().getOrDefault("POSTERN_JAVA_HOME", System.getProperty("java.home")));
        Map<String, String> environment = new HashMap<>();
        // the launcher's class-data archive, recorded by the first run (see CompareBenchmark); POSTERN_CDS_ARCHIVE
        // set (empty: off) overrides
        environment.put("POSTERN_CDS_ARCHIVE", classArchive(setup));
        // POSTERN_JAVA_OPTS replaces the launcher's options (to measure JVM settings)
        String override = System.getenv("POSTERN_JAVA_OPTS");
        if (override != null) {
            environment.put("JAVA_OPTS", override);
        }
        Path launcher = PosternProcess.packageLayout(setup.dir().resolve("package"));
        return new PosternUnderTest(PosternProcess.launch(yaml, List.of(launcher.toString()), environment, javaHome),
                port, label);
    }

    /** Where the launcher keeps the class-data archive: in the benchmark's folder unless POSTERN_CDS_ARCHIVE says. */
    static String classArchive(Setup setup) {
        return System.getenv().getOrDefault("POSTERN_CDS_ARCHIVE", setup.dir().resolve("postern.jsa").toString());
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
