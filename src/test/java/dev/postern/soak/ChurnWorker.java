package dev.postern.soak;

import dev.postern.testing.RawImapClient;
import dev.postern.testing.TestMessages;
import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/**
 * One churn user, logging in again and again through the faulty client leg until told to stop. A session: LOGIN,
 * SELECT, check every acknowledged message of the earlier sessions by checksum (lost, corrupt or verified) and
 * expunge those checked, APPEND a new one of 1 to 64 KiB, every third session FETCH the seeded 256 KiB message,
 * every fourth IDLE briefly, LOGOUT. Any failure ends the session and is counted by kind; the next one starts.
 */
final class ChurnWorker implements Runnable {
    static final int BIG_MESSAGE_BYTES = 256 * 1024;
    private static final Duration READ_TIMEOUT = Duration.ofSeconds(20);

    private final String user;
    private final String password;
    private final String host;
    private final int port;
    private final SoakTally tally;
    private final MailboxLedger ledger = new MailboxLedger();
    private final Random random;
    private volatile boolean stop;
    private long sessions;

    ChurnWorker(String user, String password, String host, int port, SoakTally tally, long seed) {
        this.user = user;
        this.password = password;
        this.host = host;
        this.port = port;
        this.tally = tally;
        this.random = new Random(seed);
    }

    String user() {
        return user;
    }

    /** Seeds the large message straight into the backend (host:port of Dovecot itself). */
    void seed(String backendHost, int backendPort) throws IOException {
        byte[] big = TestMessages.crlf(BIG_MESSAGE_BYTES, random.nextLong(), user + " big");
        try (RawImapClient c = RawImapClient.plain(backendHost, backendPort).timeout(READ_TIMEOUT)) {
            if (!ImapSteps.login(c, user, password).startsWith("l OK")) {
                throw new IOException("seeding " + user + ": login refused");
            }
            ledger.seeded(ImapSteps.append(c, big), big);
        }
    }

    void stop() {
        stop = true;
    }

    @Override
    public void run() {
        while (!stop) {
            session(true);
        }
    }

    /**
     * The final check on a healthy network: every acknowledged message checked, the large one too. True when the
     * session went through (the caller retries a few times otherwise).
     */
    boolean verifyAll() {
        return session(false);
    }

    private boolean session(boolean churn) {
        sessions++;
        try (RawImapClient c = RawImapClient.plain(host, port).timeout(READ_TIMEOUT)) {
            long start = System.nanoTime();
            String login = ImapSteps.login(c, user, password);
            if (!login.startsWith("l OK")) {
                tally.error(login.contains("[UNAVAILABLE]") ? "unavailable" : "login_no");
                return false;
            }
            tally.login(System.nanoTime() - start);
            ImapSteps.ok(c, "s", "SELECT INBOX");
            check(c);
            if (churn) {
                byte[] message = TestMessages.crlf(1024 + random.nextInt(63 * 1024), random.nextLong(),
                        user + " " + sessions);
                ledger.acknowledged(ImapSteps.append(c, message), message);
                tally.appended();
            }
            if (!churn || sessions % 3 == 0) {
                checkBig(c);
            }
            if (churn && sessions % 4 == 0) {
                ImapSteps.idle(c, 300);
            }
            ImapSteps.ok(c, "o", "LOGOUT");
            return true;
        } catch (IOException e) {
            tally.error(SoakTally.kindOf(e));
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            stop = true;
            return false;
        }
    }

    private void check(RawImapClient c) throws IOException {
        for (Map.Entry<Long, String> entry : ledger.unverified().entrySet()) {
            byte[] body = ImapSteps.fetch(c, entry.getKey());
            if (body == null) {
                tally.lost();
            } else if (!MailboxLedger.matches(entry.getValue(), body)) {
                tally.corrupt();
            } else {
                tally.verified();
            }
            ledger.checked(entry.getKey());
        }
        Set<Long> done = ledger.toExpunge();
        if (!done.isEmpty()) {
            ImapSteps.expunge(c, done);
            ledger.expunged(done);
        }
    }

    private void checkBig(RawImapClient c) throws IOException {
        byte[] big = ImapSteps.fetch(c, ledger.bigUid());
        if (big == null) {
            tally.lost();
        } else if (!ledger.isBig(big)) {
            tally.corrupt();
        } else {
            tally.verified();
        }
    }
}
