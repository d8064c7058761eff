package dev.postern.bench;

import dev.postern.testing.Ports;
import dev.postern.testing.PosternHarness;
import dev.postern.testing.RawImapClient;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The refusal benchmark of issue 8: how long connection 51 from one address waits for Postern's "no". An in-JVM
 * Postern with the default {@code limits.max_connections_per_ip} (50); from {@code 127.0.0.51} the benchmark holds 50
 * sessions on a listener (implicit TLS: handshake done; STARTTLS: greeting read), then opens and times connection
 * 51 {@code runs} times: from the start of connect until the refusal is seen, i.e. the whole
 * {@code * BYE [UNAVAILABLE] ...} line and the close (STARTTLS listener), or the close with no byte (implicit-TLS
 * listener). Prints median, p99 and max per listener. Client and server share this machine, so the figure is an
 * upper bound of Postern's own work. Run with {@code deploy/bench/connlimit.sh [runs (2000)]}; loopback only.
 */
public final class ConnLimitBenchmark {
    private static final String CLIENT = "127.0.0.51";
    private static final int CAP = 50;
    private static final int WARMUP = 200;

    private ConnLimitBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int runs = args.length > 0 ? Integer.parseInt(args[0]) : 2000;
        System.out.printf("Postern refusal benchmark: %d cores, Java %s; connection %d from %s, %d runs after %d "
                        + "warm-up%n", Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"),
                CAP + 1, CLIENT, runs, WARMUP);
        try (PosternHarness postern = PosternHarness.start("", "127.0.0.1:" + Ports.closedPort())) {
            System.out.printf("%-26s %10s %10s %10s%n", "listener", "median ms", "p99 ms", "max ms");
            for (boolean implicitTls : new boolean[] {false, true}) {
                int port = implicitTls ? postern.implicitTlsPort() : postern.startTlsPort();
                List<RawImapClient> held = new ArrayList<>();
                try {
                    for (int i = 0; i < CAP; i++) {
                        RawImapClient c = implicitTls ? RawImapClient.tlsFrom(CLIENT, "127.0.0.1", port, null)
                                : RawImapClient.plainFrom(CLIENT, "127.0.0.1", port);
                        c.readLine();
                        held.add(c);
                    }
                    for (int i = 0; i < WARMUP; i++) {
                        refusal(port, implicitTls);
                    }
                    long[] nanos = new long[runs];
                    for (int i = 0; i < runs; i++) {
                        nanos[i] = refusal(port, implicitTls);
                    }
                    Arrays.sort(nanos);
                    System.out.printf("%-26s %10.3f %10.3f %10.3f%n",
                            implicitTls ? "implicit TLS (close)" : "STARTTLS (BYE + close)",
                            nanos[runs / 2] / 1e6, nanos[(int) Math.ceil(runs * 0.99) - 1] / 1e6, nanos[runs - 1] / 1e6);
                } finally {
                    held.forEach(RawImapClient::close);
                }
            }
        }
    }

    /** One refused connection: nanoseconds from connect to the refusal seen in full. */
    private static long refusal(int port, boolean implicitTls) throws IOException {
        try (Socket socket = new Socket()) {
            socket.setSoLinger(true, 0); // RST on close: no TIME_WAIT pile-up over thousands of runs
            socket.bind(new InetSocketAddress(CLIENT, 0));
            socket.setSoTimeout(5000);
            long start = System.nanoTime();
            socket.connect(new InetSocketAddress("127.0.0.1", port), 5000);
            byte[] seen = readToEnd(socket.getInputStream());
            long took = System.nanoTime() - start;
            String text = new String(seen, StandardCharsets.US_ASCII);
            boolean expected = implicitTls ? seen.length == 0 : text.startsWith("* BYE [UNAVAILABLE] Too many");
            if (!expected) {
                throw new IllegalStateException("not refused as expected: '" + text.strip() + "'");
            }
            return took;
        }
    }

    private static byte[] readToEnd(InputStream in) throws IOException {
        try {
            return in.readAllBytes();
        } catch (SocketException reset) {
            return new byte[0];
        }
    }
}
