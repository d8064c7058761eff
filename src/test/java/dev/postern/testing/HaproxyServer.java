package dev.postern.testing;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A real HAProxy (Debian's {@code haproxy}, run in the foreground as this test's own process) in TCP mode in front
 * of Postern: one frontend per {@link Route}, each on a loopback port of its own, passing every connection to one
 * Postern listener with a PROXY header ({@code send-proxy} for v1, {@code send-proxy-v2}) and health-checking it the
 * same way ({@code check-send-proxy}). Its admin socket answers {@link #serverStatus}.
 */
public final class HaproxyServer implements AutoCloseable {
    public static final Path HAPROXY = Path.of("/usr/sbin/haproxy");
    private static final Duration START_TIMEOUT = Duration.ofSeconds(15);

    /** One frontend: its name, the Postern port behind it and the header HAProxy sends there. */
    public record Route(String name, int posternPort, String sendProxy) {
        public static Route v1(String name, int posternPort) {
            return new Route(name, posternPort, "send-proxy");
        }

        public static Route v2(String name, int posternPort) {
            return new Route(name, posternPort, "send-proxy-v2");
        }
    }

    private final Path dir;
    private final Process process;
    private final Map<String, Integer> ports;

    private HaproxyServer(Path dir, Process process, Map<String, Integer> ports) {
        this.dir = dir;
        this.process = process;
        this.ports = ports;
    }

    /** Starts HAProxy and waits until every frontend accepts connections. */
    public static HaproxyServer start(List<Route> routes) {
        try {
            Path dir = Files.createTempDirectory("postern-haproxy-");
            Map<String, Integer> ports = new LinkedHashMap<>();
            StringBuilder cfg = new StringBuilder("""
                    global
                      maxconn 500
                      stats socket %s mode 600 level admin
                    defaults
                      mode tcp
                      timeout connect 2s
                      timeout client 60s
                      timeout server 60s
                    """.formatted(dir.resolve("admin.sock")));
            for (Route route : routes) {
                int port = Ports.closedPort();
                ports.put(route.name(), port);
                cfg.append("""
                        frontend %1$s
                          bind 127.0.0.1:%2$d
                          default_backend %1$s_postern
                        backend %1$s_postern
                          server postern 127.0.0.1:%3$d %4$s check check-send-proxy inter 200ms rise 1 fall 1
                        """.formatted(route.name(), port, route.posternPort(), route.sendProxy()));
            }
            Path file = dir.resolve("haproxy.cfg");
            Files.writeString(file, cfg, StandardCharsets.UTF_8);
            Process process = new ProcessBuilder(HAPROXY.toString(), "-db", "-f", file.toString())
                    .directory(dir.toFile()).redirectErrorStream(true)
                    .redirectOutput(dir.resolve("haproxy.log").toFile()).start();
            HaproxyServer server = new HaproxyServer(dir, process, ports);
            try {
                await().atMost(START_TIMEOUT).until(() -> !process.isAlive() || server.allAccept());
                if (!process.isAlive()) {
                    throw new IllegalStateException("haproxy exited: " + server.log());
                }
            } catch (RuntimeException e) {
                server.close();
                throw e;
            }
            return server;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start haproxy", e);
        }
    }

    private boolean allAccept() {
        for (int port : ports.values()) {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 500);
            } catch (IOException notYet) {
                return false;
            }
        }
        return true;
    }

    /** The frontend port of route {@code name}. */
    public int port(String name) {
        return ports.get(name);
    }

    /**
     * What HAProxy says of the Postern server behind route {@code name}: its state and last check, from
     * {@code show stat} ({@code "UP L4OK"}, {@code "DOWN L4CON"}...).
     */
    public String serverStatus(String name) throws IOException {
        String csv = admin("show stat");
        for (String line : csv.split("\n")) {
            String[] f = line.split(",", -1);
            if (f.length > 37 && f[0].equals(name + "_postern") && f[1].equals("postern")) {
                return f[17] + " " + f[36];
            }
        }
        throw new IllegalStateException("no server line for " + name + " in:\n" + csv);
    }

    private String admin(String command) throws IOException {
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.connect(UnixDomainSocketAddress.of(dir.resolve("admin.sock")));
            ch.write(ByteBuffer.wrap((command + "\n").getBytes(StandardCharsets.US_ASCII)));
            ByteBuffer buf = ByteBuffer.allocate(1 << 16);
            StringBuilder out = new StringBuilder();
            while (ch.read(buf) > 0) {
                buf.flip();
                out.append(StandardCharsets.US_ASCII.decode(buf));
                buf.clear();
            }
            return out.toString();
        }
    }

    public String log() {
        try {
            return Files.readString(dir.resolve("haproxy.log"));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try (var files = Files.walk(dir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // a temp folder left behind is harmless
        }
    }
}
