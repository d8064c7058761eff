package dev.postern.soak;

import dev.postern.testing.RawImapClient;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;

/**
 * Logged-in sessions that sit idle for the whole soak, the way a desktop client keeps its connection: opened over
 * implicit TLS straight to Postern (no toxics: these are the sessions that must survive the churn beside them),
 * logged in, then left alone until {@link #alive} sends each a NOOP.
 */
final class IdleFleet implements AutoCloseable {
    private static final Duration READ_TIMEOUT = Duration.ofSeconds(30);
    private static final int OPENERS = 8;

    private final List<RawImapClient> sessions = Collections.synchronizedList(new ArrayList<>());

    /** Opens {@code count} sessions, session {@code i} as {@code userOf.apply(i)}; throws if any login fails. */
    static IdleFleet open(int count, String host, int port, IntFunction<String> userOf, String password)
            throws Exception {
        IdleFleet fleet = new IdleFleet();
        ExecutorService openers = Executors.newFixedThreadPool(OPENERS);
        AtomicInteger next = new AtomicInteger();
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < OPENERS; t++) {
                done.add(openers.submit(() -> {
                    for (int i = next.getAndIncrement(); i < count; i = next.getAndIncrement()) {
                        RawImapClient c = RawImapClient.tls(host, port).timeout(READ_TIMEOUT);
                        fleet.sessions.add(c);
                        String reply = ImapSteps.login(c, userOf.apply(i), password);
                        if (!reply.startsWith("l OK")) {
                            throw new IOException("idle session " + i + ": login refused: " + reply);
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get();
            }
            return fleet;
        } catch (Exception e) {
            fleet.close();
            throw e;
        } finally {
            openers.shutdownNow();
        }
    }

    int size() {
        return sessions.size();
    }

    /** How many sessions still answer a NOOP with OK. */
    int alive() {
        int alive = 0;
        synchronized (sessions) {
            for (RawImapClient c : sessions) {
                try {
                    if (RawImapClient.tagged(c.command("n", "NOOP")).startsWith("n OK")) {
                        alive++;
                    }
                } catch (IOException gone) {
                    // counted as not alive
                }
            }
        }
        return alive;
    }

    @Override
    public void close() {
        synchronized (sessions) {
            sessions.forEach(RawImapClient::close);
            sessions.clear();
        }
    }
}
