package dev.postern.bench.compare;

import dev.postern.testing.Ports;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;

/**
 * HAProxy (Debian's package) doing the same job as Postern in this benchmark: TLS 1.3 termination on one port in TCP
 * mode in front of the Dovecot, the groups pinned with {@code curves}, one thread per core (its default), in the
 * foreground.
 */
final class HaproxyUnderTest implements ProxyUnderTest {
    private final Process process;
    private final int port;
    private final String version;

    private HaproxyUnderTest(Process process, int port, String version) {
        this.process = process;
        this.port = port;
        this.version = version;
    }

    static HaproxyUnderTest start(Setup setup) throws IOException {
        Path dir = Files.createTempDirectory(setup.dir(), "haproxy-");
        Path pem = dir.resolve("combined.pem");
        Files.writeString(pem, Files.readString(setup.certificate()) + Files.readString(setup.key()));
        int port = Ports.closedPort();
        Path config = dir.resolve("haproxy.cfg");
        Files.writeString(config, """
                global
                  maxconn 9000
                  log stderr format short local0 err
                defaults
                  mode tcp
                  log global
                  timeout connect 5s
                  timeout client 1h
                  timeout server 1h
                frontend imaps
                  bind 127.0.0.1:%d ssl crt %s ssl-min-ver TLSv1.3 curves %s
                  default_backend dovecot
                backend dovecot
                  server dovecot 127.0.0.1:%d
                """.formatted(port, pem, setup.groups(), setup.backendPort()), StandardCharsets.UTF_8);
        Process process = new ProcessBuilder("/usr/sbin/haproxy", "-db", "-f", config.toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("haproxy.log").toFile()).start();
        Awaitility.await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(20))
                .until(() -> Ports.accepts(port) || !process.isAlive());
        if (!process.isAlive()) {
            throw new IllegalStateException("haproxy exited: " + Files.readString(dir.resolve("haproxy.log")));
        }
        return new HaproxyUnderTest(process, port, version());
    }

    private static String version() throws IOException {
        Process p = new ProcessBuilder("/usr/sbin/haproxy", "-v").redirectErrorStream(true).start();
        String first = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).lines().findFirst()
                .orElse("");
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("version (\\S+)").matcher(first);
        return m.find() ? m.group(1) : "?";
    }

    @Override
    public String name() {
        return "HAProxy " + version;
    }

    @Override
    public int port() {
        return port;
    }

    @Override
    public long pid() {
        return process.pid();
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
