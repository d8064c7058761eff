package dev.postern.it;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.postern.testing.DovecotServer;
import dev.postern.testing.RawImapClient;
import java.io.IOException;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;

/** Logins through Postern's plain listener and bounded waits, shared by the routing integration tests. */
final class RoutingSupport {
    static final String HOST = "127.0.0.1";

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

    /** Simulated service time (a slow directory), not a wait for a condition: conditions are awaited. */
    static void pause(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
