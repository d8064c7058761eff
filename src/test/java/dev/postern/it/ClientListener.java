package dev.postern.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.postern.testing.PosternHarness;
import dev.postern.testing.RawImapClient;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * The two ways a client reaches Postern with TLS: the implicit-TLS listener ({@code imaps}) and the STARTTLS
 * listener ({@code imap}, TLS required). {@link #open} returns a connection that is encrypted, has read the greeting
 * and may log in.
 */
enum ClientListener {
    IMPLICIT_TLS {
        @Override
        int port(PosternHarness postern) {
            return postern.implicitTlsPort();
        }

        @Override
        RawImapClient openFrom(String localAddress, PosternHarness postern) throws IOException {
            RawImapClient client = RawImapClient.tlsFrom(localAddress, "127.0.0.1", port(postern), null);
            String greeting = client.readLine();
            assertTrue(greeting.startsWith("* OK [CAPABILITY IMAP4rev1"), greeting);
            return client;
        }
    },
    STARTTLS {
        @Override
        int port(PosternHarness postern) {
            return postern.startTlsPort();
        }

        @Override
        RawImapClient openFrom(String localAddress, PosternHarness postern) throws IOException {
            RawImapClient client = RawImapClient.plainFrom(localAddress, "127.0.0.1", port(postern));
            String greeting = client.readLine();
            assertTrue(greeting.startsWith("* OK [CAPABILITY IMAP4rev1"), greeting);
            List<String> reply = client.command("tls0", "STARTTLS");
            assertEquals(1, reply.size(), reply::toString);
            assertTrue(reply.get(0).startsWith("tls0 OK"), reply::toString);
            client.startTls();
            return client;
        }
    };

    abstract int port(PosternHarness postern);

    /** Connects, reads the greeting and (STARTTLS) upgrades: the next thing on the wire is the client's. */
    RawImapClient open(PosternHarness postern) throws IOException {
        return openFrom(null, postern);
    }

    /** {@link #open} from a chosen loopback address ({@code 127.0.0.2}...; null: any), for per-address rules. */
    abstract RawImapClient openFrom(String localAddress, PosternHarness postern) throws IOException;

    /**
     * Reads lines until one matches, for at most {@code within}; fails with every line read when none does. Each
     * read is bounded by the client's read timeout, so the whole wait is bounded.
     */
    static List<String> awaitLine(RawImapClient client, Predicate<String> wanted, Duration within, String what)
            throws IOException {
        long deadline = System.nanoTime() + within.toNanos();
        List<String> seen = new ArrayList<>();
        try {
            while (System.nanoTime() < deadline) {
                long left = Math.max(1, (deadline - System.nanoTime()) / 1_000_000);
                client.timeout(Duration.ofMillis(left));
                String line;
                try {
                    line = client.readLine();
                } catch (java.net.SocketTimeoutException quiet) {
                    break;
                }
                seen.add(line);
                if (wanted.test(line)) {
                    return seen;
                }
            }
        } finally {
            if (!client.socket().isClosed()) {
                client.timeout(RawImapClient.DEFAULT_TIMEOUT);
            }
        }
        return fail("no " + what + " within " + within.toMillis() + " ms; lines seen: " + seen);
    }

    /** A per-listener user name, so tests on the two listeners never share a mailbox. */
    String user(String base) {
        return base + "-" + name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
    }

    /** The distinctive test password of a user (DovecotServer registers it with the log guard). */
    static String password(String user) {
        return "Pw-it-7f3a9c-" + user;
    }
}
