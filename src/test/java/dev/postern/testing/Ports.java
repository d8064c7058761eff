package dev.postern.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;

/** Loopback ports for tests. */
public final class Ports {
    private Ports() {
    }

    /**
     * A port on 127.0.0.1 that nothing listens on, so a connection to it is refused at once: an ephemeral port,
     * bound and released. The kernel hands ephemeral ports out in turn, so nothing else takes it soon; a test may
     * also bind it itself (a server started on a port chosen up front).
     */
    public static int closedPort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("no free loopback port", e);
        }
    }

    /** True when something on 127.0.0.1 accepts a connection on {@code port} within half a second. */
    public static boolean accepts(int port) {
        try (java.net.Socket s = new java.net.Socket()) {
            s.connect(new java.net.InetSocketAddress("127.0.0.1", port), 500);
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
