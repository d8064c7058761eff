package dev.postern.it;

import static dev.postern.testing.RawImapClient.tagged;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.postern.testing.Ports;
import dev.postern.testing.DovecotServer;
import dev.postern.testing.PosternHarness;
import dev.postern.testing.RawImapClient;
import dev.postern.testing.TestSecrets;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * IMAP through Postern at the byte level, against a real Dovecot: the login forms, the STARTTLS rules (RFC 2595,
 * RFC 9051 6.2.1), the tagged-OK rewrite, pipelining across the hand-off, IDLE, a 5 MiB literal both ways, LOGOUT,
 * and what a client sees when backends are down.
 */
class RawProtocolIT {
    private static final String SUFFIX = "RAW";
    private static final String BACKEND_CAPABILITY = DovecotServer.CAPABILITY_PREFIX + SUFFIX;
    private static final Duration IDLE_NOTIFICATION_WAIT = Duration.ofSeconds(20);
    private static final Duration DOVECOT_LOG_WAIT = Duration.ofSeconds(15);
    private static final Pattern EXISTS = Pattern.compile("^\\* (\\d+) EXISTS$");
    private static final Pattern APPENDUID = Pattern.compile("\\[APPENDUID (\\d+) (\\d+)]");
    private static final Pattern FETCH_LITERAL = Pattern.compile("^\\* \\d+ FETCH \\(.*BODY\\[] \\{(\\d+)}$");

    /** Per-test users, one per listener, so mailboxes and Dovecot log lines never mix between tests. */
    private static final List<String> USERS_PER_LISTENER = List.of("login", "saslir", "saslcont", "sasllogin", "retry",
            "pipeline", "pipesasl", "idle", "big", "logout", "closer");
    private static final int FAILOVER_USERS = 32;
    /** A wrong password: still a secret that must never reach a log line. */
    private static final String WRONG_PASSWORD = TestSecrets.register("Wrong-it-0c1d2e");

    private static DovecotServer dovecot;
    private static PosternHarness postern;
    /** Postern whose only backend is a port nobody listens on. */
    private static PosternHarness deadPostern;

    @BeforeAll
    static void start() throws IOException {
        DovecotServer.Builder builder = DovecotServer.builder()
                .capabilitySuffix(SUFFIX)
                // IDLE notifications come from inotify; the interval is only the fallback where inotify is missing
                .extraConfig("mailbox_idle_check_interval = 1 secs");
        for (String base : USERS_PER_LISTENER) {
            for (ClientListener listener : ClientListener.values()) {
                builder.user(user(base, listener), password(user(base, listener)));
            }
        }
        builder.user("tlsuser", password("tlsuser"));
        builder.user("resetter", password("resetter"));
        for (int i = 0; i < FAILOVER_USERS; i++) {
            builder.user(failoverUser(i), password(failoverUser(i)));
        }
        dovecot = builder.start();
        postern = PosternHarness.start("", dovecot.host() + ":" + dovecot.port());
        deadPostern = PosternHarness.start("", "127.0.0.1:" + Ports.closedPort());
    }

    @AfterAll
    static void stop() {
        for (AutoCloseable c : new AutoCloseable[] {deadPostern, postern, dovecot}) {
            try {
                if (c != null) {
                    c.close();
                }
            } catch (Exception e) {
                // keep closing the rest
            }
        }
    }

    static String user(String base, ClientListener listener) {
        return base + "-" + listener.name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    static String failoverUser(int i) {
        return String.format(Locale.ROOT, "failover-%02d", i);
    }

    /** Distinctive, so a suite-wide check can look for it in every log line. */
    static String password(String user) {
        return "Pw-it-7f3a9c-" + user;
    }

    private static String saslPlain(String authzid, String user, String password) {
        byte[] raw = (authzid + "\0" + user + "\0" + password).getBytes(StandardCharsets.UTF_8);
        return Base64.getEncoder().encodeToString(raw);
    }

    private static List<String> capabilityWords(String taggedOk) {
        Matcher m = Pattern.compile("\\[CAPABILITY ([^]]*)]").matcher(taggedOk);
        assertTrue(m.find(), () -> "no CAPABILITY response code in " + taggedOk);
        return Arrays.asList(m.group(1).split(" "));
    }

    /** The tagged OK that ends a login through Postern: the backend's post-login capabilities, nothing pre-auth. */
    private static void assertLoggedInWithBackendCapabilities(String tag, String taggedOk) {
        assertTrue(taggedOk.startsWith(tag + " OK [CAPABILITY "), taggedOk);
        List<String> caps = capabilityWords(taggedOk);
        assertTrue(caps.contains(BACKEND_CAPABILITY), taggedOk);
        assertTrue(caps.contains("IMAP4rev1"), taggedOk);
        assertTrue(caps.contains("IDLE"), taggedOk);
        assertFalse(caps.contains("STARTTLS"), taggedOk);
        assertFalse(caps.contains("LOGINDISABLED"), taggedOk);
        assertFalse(caps.stream().anyMatch(c -> c.toUpperCase(Locale.ROOT).startsWith("AUTH=")), taggedOk);
    }

    private static void login(RawImapClient client, String tag, String user) throws IOException {
        List<String> reply = client.command(tag, "LOGIN " + user + " " + password(user));
        assertLoggedInWithBackendCapabilities(tag, tagged(reply));
    }

    private static int selectInbox(RawImapClient client, String tag) throws IOException {
        List<String> select = client.command(tag, "SELECT INBOX");
        assertTrue(tagged(select).startsWith(tag + " OK"), select::toString);
        for (String line : select) {
            Matcher m = EXISTS.matcher(line);
            if (m.matches()) {
                return Integer.parseInt(m.group(1));
            }
        }
        return fail("no EXISTS in the SELECT response: " + select);
    }

    /** APPEND with a synchronizing literal; returns the new message's UID from APPENDUID (Dovecot has UIDPLUS). */
    private static long append(RawImapClient client, String tag, byte[] message) throws IOException {
        client.send(tag + " APPEND INBOX {" + message.length + "}\r\n");
        String continuation = client.readLine();
        assertTrue(continuation.startsWith("+"), continuation);
        client.sendBytes(message);
        client.send("\r\n");
        String ok = tagged(client.readUntilTagged(tag));
        assertTrue(ok.startsWith(tag + " OK"), ok);
        Matcher uid = APPENDUID.matcher(ok);
        assertTrue(uid.find(), ok);
        return Long.parseLong(uid.group(2));
    }

    // ---- the login forms ---------------------------------------------------------------------------------------

    @ParameterizedTest
    @EnumSource(ClientListener.class)
    void loginCommandLogsInAndTheTaggedOkCarriesTheBackendCapabilities(ClientListener listener) throws IOException {
        String user = user("login", listener);
        try (RawImapClient client = listener.open(postern)) {
            List<String> reply = client.command("a", "LOGIN " + user + " " + password(user));
            assertEquals(1, reply.size(), () -> "only the tagged OK is expected: " + reply);
            assertLoggedInWithBackendCapabilities("a", reply.get(0));
            // the next command reaches Dovecot itself: its own CAPABILITY names it
            List<String> capability = client.command("b", "CAPABILITY");
            assertTrue(tagged(capability).startsWith("b OK"), capability::toString);
            assertTrue(capability.stream().anyMatch(l -> l.startsWith("* CAPABILITY ")
                    && Arrays.asList(l.split(" ")).contains(BACKEND_CAPABILITY)), capability::toString);
        }
    }

    @ParameterizedTest
    @EnumSource(ClientListener.class)
    void authenticatePlainWithAnInitialResponseLogsIn(ClientListener listener) throws IOException {
        String user = user("saslir", listener);
        try (RawImapClient client = listener.open(postern)) {
            List<String> reply = client.command("a", "AUTHENTICATE PLAIN " + saslPlain("", user, password(user)));
            assertEquals(1, reply.size(), reply::toString);
            assertLoggedInWithBackendCapabilities("a", reply.get(0));
            assertTrue(tagged(client.command("b", "SELECT INBOX")).startsWith("b OK"));
        }
    }

    @ParameterizedTest
    @EnumSource(ClientListener.class)
    void authenticatePlainWithAContinuationLogsIn(ClientListener listener) throws IOException {
        String user = user("saslcont", listener);
        try (RawImapClient client = listener.open(postern)) {
            client.send("a AUTHENTICATE PLAIN\r\n");
            String continuation = client.readLine();
            assertTrue(continuation.equals("+ ") || continuation.equals("+"), continuation);
            // authzid equal to authcid is allowed by RFC 4616
            client.send(saslPlain(user, user, password(user)) + "\r\n");
            List<String> reply = client.readUntilTagged("a");
            assertEquals(1, reply.size(), reply::toString);
            assertLoggedInWithBackendCapabilities("a", reply.get(0));
            assertTrue(tagged(client.command("b", "NOOP")).startsWith("b OK"));
        }
    }

    /**
     * AUTHENTICATE LOGIN (the {@code Username:} / {@code Password:} prompts Outlook answers) is Postern's own: the
     * backend gets the credentials its usual way, and its NO to a wrong password reaches the client unchanged.
     */
    @ParameterizedTest
    @EnumSource(ClientListener.class)
    void authenticateLoginLogsInAndAWrongPasswordGetsTheBackendsNo(ClientListener listener) throws IOException {
        String user = user("sasllogin", listener);
        Base64.Encoder b64 = Base64.getEncoder();
        try (RawImapClient client = listener.open(postern)) {
            List<String> capability = client.command("a", "CAPABILITY");
            assertTrue(capability.get(0).endsWith(" AUTH=PLAIN AUTH=LOGIN"), capability::toString);
            client.send("b AUTHENTICATE LOGIN\r\n");
            assertEquals("+ VXNlcm5hbWU6", client.readLine());
            client.send(b64.encodeToString(user.getBytes(StandardCharsets.UTF_8)) + "\r\n");
            assertEquals("+ UGFzc3dvcmQ6", client.readLine());
            client.send(b64.encodeToString(WRONG_PASSWORD.getBytes(StandardCharsets.UTF_8)) + "\r\n");
            String refused = tagged(client.readUntilTagged("b"));
            assertTrue(refused.startsWith("b NO [AUTHENTICATIONFAILED]"), refused);
            // With SASL-IR the initial response is the user name.
            client.send("c AUTHENTICATE LOGIN " + b64.encodeToString(user.getBytes(StandardCharsets.UTF_8)) + "\r\n");
            assertEquals("+ UGFzc3dvcmQ6", client.readLine());
            client.send(b64.encodeToString(password(user).getBytes(StandardCharsets.UTF_8)) + "\r\n");
            List<String> reply = client.readUntilTagged("c");
            assertEquals(1, reply.size(), reply::toString);
            assertLoggedInWithBackendCapabilities("c", reply.get(0));
            assertTrue(tagged(client.command("d", "SELECT INBOX")).startsWith("d OK"));
        }
    }

    @ParameterizedTest
    @EnumSource(ClientListener.class)
    void cancelledAuthenticateLeavesTheConnectionReadyForALogin(ClientListener listener) throws IOException {
        String user = user("saslcont", listener);
        try (RawImapClient client = listener.open(postern)) {
            client.send("a AUTHENTICATE PLAIN\r\n");
            assertTrue(client.readLine().startsWith("+"));
            client.send("*\r\n");
            String cancelled = tagged(client.readUntilTagged("a"));
            assertTrue(cancelled.startsWith("a BAD") || cancelled.startsWith("a NO"), cancelled);
            login(client, "b", user);
        }
    }

    @ParameterizedTest
    @EnumSource(ClientListener.class)
    void aWrongPasswordIsRefusedAndTheRightOneThenWorksOnTheSameConnection(ClientListener listener)
            throws IOException {
        String user = user("retry", listener);
        try (RawImapClient client = listener.open(postern)) {
            String refused = tagged(client.command("a", "LOGIN " + user + " " + WRONG_PASSWORD));
            assertTrue(refused.startsWith("a NO [AUTHENTICATIONFAILED]"), refused);
            String refusedSasl = tagged(client.command("b", "AUTHENTICATE PLAIN "
                    + saslPlain("", user, WRONG_PASSWORD)));
            assertTrue(refusedSasl.startsWith("b NO [AUTHENTICATIONFAILED]"), refusedSasl);
            // still pre-auth and answered by Postern
            List<String> capability = client.command("c", "CAPABILITY");
            assertTrue(capability.get(0).startsWith("* CAPABILITY IMAP4rev1 SASL-IR"), capability::toString);
            assertTrue(capability.get(0).contains("AUTH=PLAIN"), capability::toString);
            login(client, "d", user);
        }
    }

    // ---- STARTTLS ----------------------------------------------------------------------------------------------

    @Test
    void theStartTlsListenerOffersStartTlsAndNoLoginBeforeTls() throws IOException {
        try (RawImapClient client = RawImapClient.plain("127.0.0.1", postern.startTlsPort())) {
            String greeting = client.readLine();
            for (String caps : List.of(greeting, client.command("a", "CAPABILITY").get(0))) {
                assertTrue(caps.startsWith("* OK [CAPABILITY IMAP4rev1") || caps.startsWith("* CAPABILITY IMAP4rev1"),
                        caps);
                assertTrue(caps.contains(" STARTTLS"), caps);
                assertTrue(caps.contains(" LOGINDISABLED"), caps);
                assertFalse(caps.contains("AUTH="), caps);
                assertFalse(caps.contains("LITERAL+"), caps);
            }
        }
    }

    @Test
    void loginAndAuthenticateAreRefusedBeforeStartTlsAndWorkAfterIt() throws IOException {
        String user = "tlsuser";
        try (RawImapClient client = RawImapClient.plain("127.0.0.1", postern.startTlsPort())) {
            client.readLine();
            String login = tagged(client.command("a", "LOGIN " + user + " " + password(user)));
            assertTrue(login.startsWith("a NO [PRIVACYREQUIRED]"), login);
            String sasl = tagged(client.command("b", "AUTHENTICATE PLAIN " + saslPlain("", user, password(user))));
            assertTrue(sasl.startsWith("b NO [PRIVACYREQUIRED]"), sasl);

            assertTrue(tagged(client.command("c", "STARTTLS")).startsWith("c OK"));
            client.startTls();
            List<String> capability = client.command("d", "CAPABILITY");
            assertEquals(2, capability.size(), capability::toString);
            List<String> words = Arrays.asList(capability.get(0).split(" "));
            assertTrue(words.contains("AUTH=PLAIN"), capability::toString);
            assertFalse(words.contains("STARTTLS"), capability::toString);
            assertFalse(words.contains("LOGINDISABLED"), capability::toString);
            String again = tagged(client.command("e", "STARTTLS"));
            assertTrue(again.startsWith("e BAD") || again.startsWith("e NO"), again);
            login(client, "f", user);
        }
    }

    @Test
    void startTlsIsRefusedOnTheImplicitTlsListener() throws IOException {
        try (RawImapClient client = ClientListener.IMPLICIT_TLS.open(postern)) {
            String reply = tagged(client.command("a", "STARTTLS"));
            assertTrue(reply.startsWith("a BAD") || reply.startsWith("a NO"), reply);
            List<String> capability = client.command("b", "CAPABILITY");
            assertFalse(capability.get(0).contains("STARTTLS"), capability::toString);
            assertTrue(tagged(client.command("c", "NOOP")).startsWith("c OK"));
        }
    }

    @Test
    void aCommandSentInPlaintextRightAfterStartTlsIsNeverAnswered() throws IOException {
        try (RawImapClient client = RawImapClient.plain("127.0.0.1", postern.startTlsPort())) {
            client.readLine();
            // one write: the CAPABILITY is plaintext that arrives before the handshake (CVE-2011-0411 class)
            client.send("a STARTTLS\r\nb CAPABILITY\r\n");
            String ok = client.readLine();
            assertTrue(ok.startsWith("a OK"), ok);
            client.startTls(); // fails when any plaintext byte followed the OK
            client.send("c NOOP\r\n");
            String first = client.readLine();
            assertTrue(first.startsWith("c OK"), () -> "first line after the handshake: " + first);
            // and the injected command did not leave a pre-auth command slot or a login behind
            List<String> capability = client.command("d", "CAPABILITY");
            assertTrue(capability.get(0).startsWith("* CAPABILITY ") && capability.get(0).contains("AUTH=PLAIN"),
                    capability::toString);
            assertEquals(2, capability.size(), capability::toString);
        }
    }

    // ---- after the hand-off ------------------------------------------------------------------------------------

    @ParameterizedTest
    @EnumSource(ClientListener.class)
    void commandsPipelinedAfterLoginAreAllAnsweredInOrderAfterTheLoginOk(ClientListener listener)
            throws IOException {
        String user = user("pipeline", listener);
        try (RawImapClient client = listener.open(postern)) {
            client.send("a LOGIN " + user + " " + password(user) + "\r\nb SELECT INBOX\r\nc NOOP\r\n");
            List<String> login = client.readUntilTagged("a");
            assertEquals(1, login.size(), () -> "nothing may precede the login's OK: " + login);
            assertLoggedInWithBackendCapabilities("a", login.get(0));
            List<String> select = client.readUntilTagged("b");
            assertTrue(select.stream().noneMatch(l -> l.startsWith("c ")), select::toString);
            assertTrue(tagged(select).startsWith("b OK [READ-WRITE]"), select::toString);
            assertTrue(select.stream().anyMatch(l -> EXISTS.matcher(l).matches()), select::toString);
            assertTrue(tagged(client.readUntilTagged("c")).startsWith("c OK"));
            assertTrue(tagged(client.command("d", "NOOP")).startsWith("d OK"));
        }
    }

    @ParameterizedTest
    @EnumSource(ClientListener.class)
    void commandsPipelinedAfterAuthenticateAreAllAnsweredInOrder(ClientListener listener) throws IOException {
        String user = user("pipesasl", listener);
        try (RawImapClient client = listener.open(postern)) {
            client.send("a AUTHENTICATE PLAIN " + saslPlain("", user, password(user))
                    + "\r\nb LIST \"\" \"*\"\r\nc STATUS INBOX (MESSAGES)\r\nd NOOP\r\n");
            List<String> login = client.readUntilTagged("a");
            assertEquals(1, login.size(), login::toString);
            assertLoggedInWithBackendCapabilities("a", login.get(0));
            List<String> list = client.readUntilTagged("b");
            assertTrue(list.stream().anyMatch(l -> l.startsWith("* LIST ") && l.endsWith(" INBOX")), list::toString);
            List<String> status = client.readUntilTagged("c");
            assertTrue(status.stream().anyMatch(l -> l.startsWith("* STATUS INBOX (MESSAGES ")), status::toString);
            assertTrue(tagged(status).startsWith("c OK"), status::toString);
            assertTrue(tagged(client.readUntilTagged("d")).startsWith("d OK"));
        }
    }

    @ParameterizedTest
    @EnumSource(ClientListener.class)
    void anIdlingSessionIsToldOfAMessageAppendedByAnotherSession(ClientListener listener) throws IOException {
        String user = user("idle", listener);
        try (RawImapClient idler = listener.open(postern); RawImapClient writer = listener.open(postern)) {
            login(idler, "a", user);
            int before = selectInbox(idler, "b");
            idler.send("c IDLE\r\n");
            String idling = idler.readLine();
            assertTrue(idling.startsWith("+"), idling);

            login(writer, "x", user);
            append(writer, "y", TestMessages.small("idle " + listener, "Hello, idler."));

            String expected = "* " + (before + 1) + " EXISTS";
            ClientListener.awaitLine(idler, expected::equals, IDLE_NOTIFICATION_WAIT, "'" + expected + "'");
            idler.send("DONE\r\n");
            String done = tagged(idler.readUntilTagged("c"));
            assertTrue(done.startsWith("c OK"), done);
            assertTrue(tagged(writer.command("z", "LOGOUT")).startsWith("z OK"));
        }
    }

    @ParameterizedTest
    @EnumSource(ClientListener.class)
    void aFiveMebibyteMessageIsAppendedAndFetchedBackByteForByte(ClientListener listener) throws IOException {
        String user = user("big", listener);
        byte[] message = TestMessages.large("five MiB over " + listener, TestMessages.FIVE_MIB, 0x5eedL);
        try (RawImapClient client = listener.open(postern)) {
            login(client, "a", user);
            selectInbox(client, "b");
            long uid = append(client, "c", message);

            client.send("d UID FETCH " + uid + " BODY.PEEK[]\r\n");
            byte[] fetched = null;
            List<String> other = new ArrayList<>();
            for (int i = 0; i < 10 && fetched == null; i++) {
                String line = client.readLine();
                Matcher literal = FETCH_LITERAL.matcher(line);
                if (literal.matches()) {
                    fetched = client.readBytes(Integer.parseInt(literal.group(1)));
                    String rest = client.readLine();
                    assertTrue(rest.endsWith(")"), rest);
                } else {
                    assertFalse(line.startsWith("d "), () -> "tagged before the literal: " + line + " " + other);
                    other.add(line);
                }
            }
            assertNotNull(fetched, () -> "no BODY[] literal in " + other);
            assertEquals(message.length, fetched.length);
            assertArrayEquals(message, fetched, "the message came back changed");
            assertTrue(tagged(client.readUntilTagged("d")).startsWith("d OK"));
        }
    }

    @ParameterizedTest
    @EnumSource(ClientListener.class)
    void logoutAfterLoginSaysByeThenOkAndCloses(ClientListener listener) throws IOException {
        String user = user("logout", listener);
        try (RawImapClient client = listener.open(postern)) {
            login(client, "a", user);
            List<String> logout = client.command("b", "LOGOUT");
            assertEquals(2, logout.size(), logout::toString);
            assertTrue(logout.get(0).startsWith("* BYE"), logout::toString);
            assertTrue(logout.get(1).startsWith("b OK"), logout::toString);
            assertTrue(client.isClosedByPeer(Duration.ofSeconds(5)), "Postern kept the connection open");
        }
    }

    @ParameterizedTest
    @EnumSource(ClientListener.class)
    void logoutBeforeLoginSaysByeThenOkAndCloses(ClientListener listener) throws IOException {
        try (RawImapClient client = listener.open(postern)) {
            List<String> logout = client.command("a", "LOGOUT");
            assertEquals(2, logout.size(), logout::toString);
            assertTrue(logout.get(0).startsWith("* BYE"), logout::toString);
            assertTrue(logout.get(1).startsWith("a OK"), logout::toString);
            assertTrue(client.isClosedByPeer(Duration.ofSeconds(5)), "Postern kept the connection open");
        }
    }

    @ParameterizedTest
    @EnumSource(ClientListener.class)
    void aClientThatDisconnectsMidSessionEndsItsBackendSession(ClientListener listener) throws IOException {
        String user = user("closer", listener);
        // Dovecot logs "imap(user)<pid><session>: Disconnected: ..." when its client goes away without LOGOUT
        String marker = "imap(" + user + ")";
        try (RawImapClient client = listener.open(postern)) {
            login(client, "a", user);
            selectInbox(client, "b");
            assertFalse(dovecotLog().lines().anyMatch(l -> l.contains(marker) && l.contains("Disconnected")),
                    "the session ended too early");
        }
        await().atMost(DOVECOT_LOG_WAIT).untilAsserted(() -> assertTrue(
                dovecotLog().lines().anyMatch(l -> l.contains(marker) && l.contains("Disconnected")),
                () -> "Dovecot did not see the session end:\n" + dovecot.logTail()));
        // and the same user logs in again at once
        try (RawImapClient client = listener.open(postern)) {
            login(client, "c", user);
        }
    }

    @Test
    void aClientThatResetsTheConnectionMidSessionEndsItsBackendSession() throws IOException {
        String user = "resetter";
        String marker = "imap(" + user + ")";
        // the plain listener: a TCP reset with no TLS close_notify before it
        try (RawImapClient client = RawImapClient.plain("127.0.0.1", postern.plainPort())) {
            client.readLine();
            login(client, "a", user);
            selectInbox(client, "b");
            client.socket().setSoLinger(true, 0);
        }
        await().atMost(DOVECOT_LOG_WAIT).untilAsserted(() -> assertTrue(
                dovecotLog().lines().anyMatch(l -> l.contains(marker) && l.contains("Disconnected")),
                () -> "Dovecot did not see the session end:\n" + dovecot.logTail()));
    }

    private static String dovecotLog() {
        try {
            return Files.readString(dovecot.logFile(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }

    // ---- backends down -----------------------------------------------------------------------------------------

    @ParameterizedTest
    @EnumSource(ClientListener.class)
    void anUnreachableBackendGivesUnavailableAndTheConnectionStaysUsable(ClientListener listener)
            throws IOException {
        String user = user("login", listener);
        try (RawImapClient client = listener.open(deadPostern)) {
            String reply = tagged(client.command("a", "LOGIN " + user + " " + password(user)));
            assertTrue(reply.startsWith("a NO [UNAVAILABLE]"), reply);
            List<String> capability = client.command("b", "CAPABILITY");
            assertTrue(capability.get(0).startsWith("* CAPABILITY IMAP4rev1"), capability::toString);
            assertTrue(tagged(capability).startsWith("b OK"), capability::toString);
            String sasl = tagged(client.command("c", "AUTHENTICATE PLAIN " + saslPlain("", user, password(user))));
            assertTrue(sasl.startsWith("c NO [UNAVAILABLE]"), sasl);
            assertTrue(tagged(client.command("d", "NOOP")).startsWith("d OK"));
        }
    }

    @Test
    void aPoolFailsOverFromADeadBackendToALiveOne() throws IOException {
        String dead = "127.0.0.1:" + Ports.closedPort();
        try (PosternHarness pooled = PosternHarness.start("", dead, dovecot.host() + ":" + dovecot.port())) {
            // each user's order is its own (rendezvous hashing): about half of these users have the dead one first,
            // and every one of them must still get in, over either listener
            for (int i = 0; i < FAILOVER_USERS; i++) {
                ClientListener listener = ClientListener.values()[i % 2];
                try (RawImapClient client = listener.open(pooled)) {
                    login(client, "a", failoverUser(i));
                    assertTrue(tagged(client.command("b", "SELECT INBOX")).startsWith("b OK"));
                }
            }
        }
    }

    @Test
    void aPoolFailsOverFromABackendThatHangsUpToALiveOne() throws Exception {
        try (HangUpServer hangUp = new HangUpServer();
             PosternHarness pooled = PosternHarness.start("", "127.0.0.1:" + hangUp.port(),
                     dovecot.host() + ":" + dovecot.port())) {
            for (int i = 0; i < FAILOVER_USERS; i++) {
                ClientListener listener = ClientListener.values()[i % 2];
                try (RawImapClient client = listener.open(pooled)) {
                    login(client, "a", failoverUser(i));
                    assertTrue(tagged(client.command("b", "NOOP")).startsWith("b OK"));
                }
            }
            // the premise: some users were sent to the broken backend first (about half of them; all 32 missing
            // it has a chance of 1 in 2^32)
            assertTrue(hangUp.accepted() > 0, "no login tried the backend that hangs up");
        }
    }

    /** A "backend" on loopback that accepts every connection and closes it at once, without a greeting. */
    private static final class HangUpServer implements AutoCloseable {
        private final ServerSocket socket = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"));
        private final java.util.concurrent.atomic.AtomicInteger accepted = new java.util.concurrent.atomic.AtomicInteger();
        private final Thread thread = new Thread(this::serve, "hang-up-backend");

        HangUpServer() throws IOException {
            thread.setDaemon(true);
            thread.start();
        }

        int port() {
            return socket.getLocalPort();
        }

        int accepted() {
            return accepted.get();
        }

        private void serve() {
            while (!socket.isClosed()) {
                try (java.net.Socket connection = socket.accept()) {
                    accepted.incrementAndGet();
                    connection.setSoLinger(true, 0);
                } catch (IOException closed) {
                    return;
                }
            }
        }

        @Override
        public void close() throws Exception {
            socket.close();
            thread.join(5000);
        }
    }
}
