package dev.postern.testing;

import static org.awaitility.Awaitility.await;

import eu.rekawek.toxiproxy.Proxy;
import eu.rekawek.toxiproxy.model.Toxic;
import eu.rekawek.toxiproxy.ToxiproxyClient;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * A real {@code toxiproxy-server} (built by .ci/install-test-deps.sh into {@code $(go env GOPATH)/bin/server}) run by
 * the test on a free loopback port as its own process, driven with Toxiproxy-java. {@link #proxy} puts a proxy on a
 * free loopback port in front of an upstream.
 */
public final class ToxiproxyServer implements AutoCloseable {
    private final Process process;
    private final ToxiproxyClient client;

    private ToxiproxyServer(Process process, ToxiproxyClient client) {
        this.process = process;
        this.client = client;
    }

    /** The binary: {@code $TOXIPROXY_SERVER}, else {@code ~/go/bin/server}, else {@code $GOPATH/bin/server}. */
    static Path binary() {
        String env = System.getenv("TOXIPROXY_SERVER");
        if (env != null) {
            return Path.of(env);
        }
        String gopath = System.getenv("GOPATH");
        Path candidate = Path.of(gopath != null ? gopath : System.getProperty("user.home") + "/go", "bin", "server");
        if (!Files.isExecutable(candidate)) {
            throw new IllegalStateException("toxiproxy-server not found at " + candidate
                    + ": run bash .ci/install-test-deps.sh");
        }
        return candidate;
    }

    public static ToxiproxyServer start() {
        int port = Ports.closedPort();
        try {
            Process process = new ProcessBuilder(binary().toString(), "-host", "127.0.0.1", "-port",
                    Integer.toString(port)).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            await().atMost(Duration.ofSeconds(15)).until(() -> !process.isAlive() || Ports.accepts(port));
            if (!process.isAlive()) {
                throw new IllegalStateException("toxiproxy-server exited with " + process.exitValue());
            }
            return new ToxiproxyServer(process, new ToxiproxyClient("127.0.0.1", port));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A proxy on a free loopback port in front of {@code upstream} ("host:port"). */
    public Proxy proxy(String name, String upstream) throws IOException {
        return client.createProxy(name, "127.0.0.1:" + Ports.closedPort(), upstream);
    }

    /** The port a proxy listens on. */
    public static int port(Proxy proxy) {
        String listen = proxy.getListen();
        return Integer.parseInt(listen.substring(listen.lastIndexOf(':') + 1));
    }

    /** Takes every toxic off these proxies and enables them: a healthy network again. */
    public static void heal(Proxy... proxies) throws IOException {
        for (Proxy proxy : proxies) {
            for (Toxic toxic : proxy.toxics().getAll()) {
                toxic.remove();
            }
            proxy.enable();
        }
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
