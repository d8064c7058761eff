package dev.postern.it;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.postern.testing.DovecotServer;
import dev.postern.testing.RawImapClient;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/** Logins through Postern's plain listener and bounded waits, shared by the routing integration tests. */
final class RoutingSupport {
    static final String HOST = "127.0.0.1";
    private static final Duration POLL = Duration.ofMillis(20);

    private RoutingSupport() {
    }

    /**
     * One login on a fresh connection: returns the tagged reply to LOGIN (tag {@code a}); a session that logged in
     * is logged out. User and password go as quoted strings (neither may hold a quote or a backslash).
     */
    static String login(int port, String user, String password) throws IOException {
        try (RawImapClient client = RawImapClient.plain(HOST, port)) {
            String greeting = client.readLine();
            assertTrue(greeting.startsWith("* OK"), greeting);
            String reply = RawImapClient.tagged(client.command("a", "LOGIN " + quoted(user) + " " + quoted(password)));
            if (reply.startsWith("a OK")) {
                client.command("z", "LOGOUT");
            }
            return reply;
        }
    }

    /** A logged-in session for the caller to drive and close; fails the test when the login is refused. */
    static RawImapClient session(int port, String user, String password) throws IOException {
        RawImapClient client = RawImapClient.plain(HOST, port);
        try {
            client.readLine();
            String reply = RawImapClient.tagged(client.command("a", "LOGIN " + quoted(user) + " " + quoted(password)));
            assertTrue(reply.startsWith("a OK [CAPABILITY "), "login of " + user + ": " + reply);
            return client;
        } catch (IOException | RuntimeException | Error e) {
            client.close();
            throw e;
        }
    }

    static String quoted(String s) {
        if (s.indexOf('"') >= 0 || s.indexOf('\\') >= 0) {
            throw new IllegalArgumentException("no quotes or backslashes in test logins");
        }
        return "\"" + s + "\"";
    }

    /** Which test Dovecot a tagged OK (or CAPABILITY response) came from: its XPOSTERNTEST capability, or null. */
    static String backendCapability(String response) {
        String caps = response.replace("[", " ").replace("]", " ");
        return Arrays.stream(caps.split(" "))
                .filter(token -> token.startsWith(DovecotServer.CAPABILITY_PREFIX))
                .findFirst().orElse(null);
    }

    /** The backend capability of a logged-in session, asked with CAPABILITY on it. */
    static String backendOf(RawImapClient session, String tag) throws IOException {
        List<String> responses = session.command(tag, "CAPABILITY");
        assertTrue(RawImapClient.tagged(responses).startsWith(tag + " OK"), responses.toString());
        return backendCapability(responses.get(0));
    }

    /** Polls {@code condition} every 20 ms until it holds or {@code bound} has passed; fails with the message then. */
    static void await(Duration bound, BooleanSupplier condition, Supplier<String> message) {
        long deadline = System.nanoTime() + bound.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                fail("not within " + bound.toMillis() + " ms: " + message.get());
            }
            pause(POLL);
        }
    }

    /** {@link #await} for conditions that do I/O. */
    static void awaitIo(Duration bound, IoCondition condition, Supplier<String> message) {
        await(bound, () -> {
            try {
                return condition.holds();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }, message);
    }

    interface IoCondition {
        boolean holds() throws IOException;
    }

    /** A loopback port nothing listens on (taken and released; nothing else on this machine binds it meanwhile). */
    static int deadPort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName(HOST))) {
            return socket.getLocalPort();
        }
    }

    static void pause(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
