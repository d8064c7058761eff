package dev.postern.backend;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.postern.config.BackendConfig;
import dev.postern.config.BackendTlsConfig;
import dev.postern.config.HealthConfig;
import dev.postern.config.HostPort;
import dev.postern.config.PoolConfig;
import dev.postern.config.TlsMode;
import dev.postern.imap.Credentials;
import dev.postern.session.LoginResult;
import dev.postern.session.PipelineNames;
import dev.postern.session.ProxyFailure;
import dev.postern.session.ProxyFailureException;
import dev.postern.testing.TestSecrets;
import dev.postern.tls.BackendTlsContexts;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.concurrent.ImmediateEventExecutor;
import io.netty.util.concurrent.Promise;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * One backend login on an {@link EmbeddedChannel} holding the real backend pipeline (framer and login handler),
 * with the backend's lines scripted by the test. Every assertion is on the exact bytes Postern writes and on how
 * the login ends: LoggedIn, Rejected, or a failure with its kind and whether the credentials had been sent.
 */
class BackendLoginHandlerTest {
    private static final HostPort BACKEND = new HostPort("10.0.0.1", 143);
    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    private static final int MAX_LINE = 512;
    private static final String PASSWORD = TestSecrets.register("s3cret \"pass\\");
    /** PASSWORD as a quoted string: quote and backslash escaped. */
    private static final String PASSWORD_QUOTED = "\"s3cret \\\"pass\\\\\"";
    /** Eight-bit octets cannot be quoted: this one goes as a literal of 9 octets. */
    private static final String EIGHT_BIT = TestSecrets.register("p\u00e4ssword");

    private final Promise<LoginResult> result = ImmediateEventExecutor.INSTANCE.newPromise();
    private EmbeddedChannel ch;

    @AfterEach
    void finish() {
        if (ch != null) {
            ch.finishAndReleaseAll();
        }
    }

    private void start(String user, String password, BackendTlsContexts tls) {
        start(new Credentials(user.getBytes(UTF_8), password.getBytes(UTF_8)), tls);
    }

    private void start(Credentials credentials, BackendTlsContexts tls) {
        BackendLoginHandler handler = new BackendLoginHandler(credentials, result, BACKEND, TIMEOUT,
                tls.forBackend(BACKEND), null);
        ch = new EmbeddedChannel(new BackendPipelineInitializer(BACKEND, tls.forBackend(BACKEND), MAX_LINE,
                PipelineNames.BACKEND_LOGIN, handler, null));
    }

    private void start(String password) {
        start("alice", password, BackendTlsContexts.NONE);
    }

    /** The backend sends these lines (CRLF added). */
    private void feed(String... lines) {
        for (String line : lines) {
            ch.writeInbound(Unpooled.copiedBuffer(line + "\r\n", UTF_8));
        }
    }

    /** Everything Postern wrote since the last call, octet for octet (ISO-8859-1, so 8-bit octets show as such). */
    private String written() {
        StringBuilder out = new StringBuilder();
        for (ByteBuf buf = ch.readOutbound(); buf != null; buf = ch.readOutbound()) {
            out.append(buf.toString(ISO_8859_1));
            buf.release();
        }
        return out.toString();
    }

    private static String octets(String text) {
        return new String(text.getBytes(UTF_8), ISO_8859_1);
    }

    private static String plainIr(String user, String password) {
        return Base64.getEncoder().encodeToString(("\0" + user + "\0" + password).getBytes(UTF_8));
    }

    private LoginResult.LoggedIn loggedIn() {
        assertTrue(result.isSuccess(), () -> "not logged in: " + result.cause());
        return assertInstanceOf(LoginResult.LoggedIn.class, result.getNow());
    }

    private ProxyFailureException failure(ProxyFailure expected, boolean credentialsSent) {
        assertTrue(result.isDone() && !result.isSuccess(), "the login did not fail: " + result.getNow());
        ProxyFailureException failure = assertInstanceOf(ProxyFailureException.class, result.cause());
        assertEquals(expected, failure.failure(), failure.getMessage());
        assertEquals(credentialsSent, failure.credentialsSent(), "credentials sent: " + failure.getMessage());
        assertFalse(ch.isOpen(), "the backend connection is left open after a failure");
        return failure;
    }

    // ---- bearer tokens (pass-through) and master logins -------------------------------------------------------

    private static final String TOKEN = TestSecrets.register("ya29.backend-pass-through-token");

    private void startBearer(Credentials.Kind kind) {
        start(Credentials.bearer(kind, "alice".getBytes(UTF_8), TOKEN.getBytes(UTF_8)), BackendTlsContexts.NONE);
    }

    @Test
    void anXoauth2TokenGoesToTheBackendUnchangedInItsOwnMechanism() {
        startBearer(Credentials.Kind.XOAUTH2);
        feed("* OK [CAPABILITY IMAP4rev1 SASL-IR AUTH=PLAIN AUTH=XOAUTH2] ready");
        String expected = Base64.getEncoder().encodeToString(("user=alice\u0001auth=Bearer " + TOKEN
                + "\u0001\u0001").getBytes(UTF_8));
        assertEquals("P2 AUTHENTICATE XOAUTH2 " + expected + "\r\n", written());
        feed("P2 OK [CAPABILITY IMAP4rev1] Logged in");
        loggedIn();
    }

    @Test
    void anOauthbearerTokenWithoutSaslIrWaitsForTheContinuation() {
        startBearer(Credentials.Kind.OAUTHBEARER);
        feed("* OK [CAPABILITY IMAP4rev1 AUTH=OAUTHBEARER] ready");
        assertEquals("P2 AUTHENTICATE OAUTHBEARER\r\n", written());
        feed("+ ");
        assertEquals(Base64.getEncoder().encodeToString(("n,a=alice,\u0001auth=Bearer " + TOKEN
                + "\u0001\u0001").getBytes(UTF_8)) + "\r\n", written());
    }

    @ParameterizedTest
    @EnumSource(value = Credentials.Kind.class, names = {"XOAUTH2", "OAUTHBEARER"})
    void aRefusedTokensErrorChallengeGetsTheMechanismsDummyReplyThenTheNoIsARejection(Credentials.Kind kind) {
        startBearer(kind);
        feed("* OK [CAPABILITY IMAP4rev1 SASL-IR AUTH=" + kind + "] ready");
        written();
        feed("+ eyJzdGF0dXMiOiJpbnZhbGlkX3Rva2VuIn0=");
        assertEquals(kind == Credentials.Kind.OAUTHBEARER ? "AQ==\r\n" : "\r\n", written());
        feed("P2 NO [AUTHENTICATIONFAILED] Authentication failed.");
        LoginResult.Rejected rejected = assertInstanceOf(LoginResult.Rejected.class, result.getNow());
        assertEquals("[AUTHENTICATIONFAILED] Authentication failed.", rejected.text());
    }

    @Test
    void aBackendWithoutTheClientsMechanismFailsBeforeAnyTokenIsSent() {
        startBearer(Credentials.Kind.XOAUTH2);
        feed("* OK [CAPABILITY IMAP4rev1 SASL-IR AUTH=PLAIN] ready");
        ProxyFailureException e = failure(ProxyFailure.PROTOCOL, false);
        assertTrue(e.getMessage().contains("offers no AUTH=XOAUTH2"), e.getMessage());
        assertFalse(e.getMessage().contains(TOKEN));
    }

    @Test
    void aMasterLoginActingAsTheUserIsPlainWithAnAuthzid() {
        start(Credentials.actingAs("alice".getBytes(UTF_8), "master".getBytes(UTF_8), PASSWORD.getBytes(UTF_8)),
                BackendTlsContexts.NONE);
        feed("* OK [CAPABILITY IMAP4rev1 SASL-IR AUTH=PLAIN] ready");
        assertEquals("P2 AUTHENTICATE PLAIN " + Base64.getEncoder().encodeToString(("alice\0master\0" + PASSWORD)
                .getBytes(UTF_8)) + "\r\n", written());
    }

    @Test
    void aMasterLoginActingAsTheUserNeedsAuthPlain() {
        start(Credentials.actingAs("alice".getBytes(UTF_8), "master".getBytes(UTF_8), PASSWORD.getBytes(UTF_8)),
                BackendTlsContexts.NONE);
        feed("* OK [CAPABILITY IMAP4rev1] ready");
        assertTrue(failure(ProxyFailure.PROTOCOL, false).getMessage().contains("AUTH=PLAIN"));
    }

    // ---- LOGIN ----------------------------------------------------------------------------------------------

    @Test
    void loginWithQuotedStringsEscapesQuoteAndBackslash() {
        start(PASSWORD);
        feed("* OK [CAPABILITY IMAP4rev1] ready");
        assertEquals("P2 LOGIN \"alice\" " + PASSWORD_QUOTED + "\r\n", written());
        feed("P2 OK [CAPABILITY IMAP4rev1 IDLE] Logged in");
        assertEquals(List.of("IMAP4rev1", "IDLE"), loggedIn().capabilities());
        assertSame(ch, loggedIn().backend());
        assertEquals(BACKEND.toString(), loggedIn().backendName());
        assertEquals("", written(), "nothing more after the login");
    }

    @Test
    void withoutCapabilitiesInTheGreetingTheyAreAskedForFirst() {
        start(PASSWORD);
        feed("* OK ready");
        assertEquals("P1 CAPABILITY\r\n", written());
        feed("* CAPABILITY IMAP4rev1 LITERAL+", "P1 OK done");
        assertEquals("P2 LOGIN \"alice\" " + PASSWORD_QUOTED + "\r\n", written());
    }

    @Test
    void aSynchronizingLiteralWaitsForTheContinuation() {
        start(EIGHT_BIT);
        feed("* OK [CAPABILITY IMAP4rev1] ready");
        assertEquals("P2 LOGIN \"alice\" {9}\r\n", written());
        feed("+ go ahead");
        assertEquals(octets(EIGHT_BIT) + "\r\n", written());
        feed("P2 OK [CAPABILITY IMAP4rev1] Logged in");
        loggedIn();
    }

    @Test
    void literalPlusSendsEveryLiteralWithoutWaiting() {
        String longPassword = "\u00e4".repeat(3000); // 6000 octets: beyond LITERAL-, still non-synchronizing here
        start(longPassword);
        feed("* OK [CAPABILITY IMAP4rev1 LITERAL+] ready");
        assertEquals("P2 LOGIN \"alice\" {6000+}\r\n" + octets(longPassword) + "\r\n", written());
    }

    @Test
    void literalMinusIsNonSynchronizingUpTo4096Octets() {
        String atLimit = "\u00e4".repeat(2048); // 4096 octets
        start(atLimit);
        feed("* OK [CAPABILITY IMAP4rev1 LITERAL-] ready");
        assertEquals("P2 LOGIN \"alice\" {4096+}\r\n" + octets(atLimit) + "\r\n", written());
    }

    @Test
    void literalMinusSynchronizesAbove4096Octets() {
        String overLimit = "\u00e4".repeat(2048) + "x"; // 4097 octets
        start(overLimit);
        feed("* OK [CAPABILITY IMAP4rev1 LITERAL-] ready");
        assertEquals("P2 LOGIN \"alice\" {4097}\r\n", written());
        feed("+ Ready for literal data");
        assertEquals(octets(overLimit) + "\r\n", written());
    }

    @Test
    void eightBitUserAndPasswordEachWaitForTheirOwnContinuation() {
        start("j\u00f6rg", EIGHT_BIT, BackendTlsContexts.NONE);
        feed("* OK [CAPABILITY IMAP4rev1] ready");
        assertEquals("P2 LOGIN {5}\r\n", written());
        feed("+ ");
        assertEquals(octets("j\u00f6rg") + " {9}\r\n", written());
        feed("+ ");
        assertEquals(octets(EIGHT_BIT) + "\r\n", written());
    }

    @Test
    void loginDisabledWithoutAuthPlainFailsBeforeAnyCredentialIsSent() {
        start(PASSWORD);
        feed("* OK [CAPABILITY IMAP4rev1 LOGINDISABLED] ready");
        assertEquals("", written());
        failure(ProxyFailure.PROTOCOL, false);
    }

    // ---- AUTHENTICATE PLAIN -----------------------------------------------------------------------------------

    @Test
    void authenticatePlainWithSaslIrSendsTheInitialResponseInTheCommand() {
        start(PASSWORD);
        feed("* OK [CAPABILITY IMAP4rev1 SASL-IR AUTH=PLAIN] ready");
        assertEquals("P2 AUTHENTICATE PLAIN " + plainIr("alice", PASSWORD) + "\r\n", written());
        feed("P2 OK [CAPABILITY IMAP4rev1 IDLE] Logged in");
        assertEquals(List.of("IMAP4rev1", "IDLE"), loggedIn().capabilities());
    }

    @Test
    void authenticatePlainWithoutSaslIrSendsTheResponseAfterTheContinuation() {
        start(PASSWORD);
        feed("* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] ready");
        assertEquals("P2 AUTHENTICATE PLAIN\r\n", written());
        feed("+ ");
        assertEquals(plainIr("alice", PASSWORD) + "\r\n", written());
        feed("P2 OK [CAPABILITY IMAP4rev1] Logged in");
        loggedIn();
    }

    @Test
    void anUnexpectedExtraContinuationIsCancelled() {
        start(PASSWORD);
        feed("* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] ready");
        assertEquals("P2 AUTHENTICATE PLAIN\r\n", written());
        feed("+ ");
        assertEquals(plainIr("alice", PASSWORD) + "\r\n", written());
        feed("+ bW9yZT8=");
        assertEquals("*\r\n", written());
        feed("P2 BAD [CLIENTBUG] Authentication cancelled");
        failure(ProxyFailure.PROTOCOL, true);
    }

    /**
     * Finding 8m: the buffers our login command went out in (LOGIN with a literal here, and AUTHENTICATE PLAIN)
     * are zeroed once the transport releases them.
     */
    @Test
    void theLoginCommandsBuffersAreZeroedOnceReleased() {
        for (String greeting : List.of("* OK [CAPABILITY IMAP4rev1 LITERAL+] ready",
                "* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN SASL-IR] ready")) {
            start(EIGHT_BIT);
            feed(greeting);
            ByteBuf sent = ch.readOutbound();
            assertTrue(sent.hasArray());
            byte[] array = sent.array();
            int offset = sent.arrayOffset() + sent.readerIndex();
            int length = sent.readableBytes();
            sent.release();
            assertEquals(new String(new byte[length], ISO_8859_1),
                    new String(array, offset, length, ISO_8859_1), greeting);
            finish();
            ch = null;
        }
    }

    // ---- answers to the login ---------------------------------------------------------------------------------

    @Test
    void noWithoutAResponseCodeIsAnAuthenticationFailureAndLogsOut() {
        start(PASSWORD);
        feed("* OK [CAPABILITY IMAP4rev1] ready");
        written();
        feed("P2 NO Wrong password");
        assertEquals(new LoginResult.Rejected("[AUTHENTICATIONFAILED] Wrong password"), result.getNow());
        assertEquals("P9 LOGOUT\r\n", written());
        assertFalse(ch.isOpen());
    }

    @Test
    void noWithAResponseCodeKeepsTheCode() {
        start(PASSWORD);
        feed("* OK [CAPABILITY IMAP4rev1] ready");
        written();
        feed("P2 NO [UNAVAILABLE] Mailbox being migrated");
        assertEquals(new LoginResult.Rejected("[UNAVAILABLE] Mailbox being migrated"), result.getNow());
        assertEquals("P9 LOGOUT\r\n", written());
    }

    @Test
    void badToOurLoginIsABackendProtocolFailureNotAWrongPassword() {
        start(PASSWORD);
        feed("* OK [CAPABILITY IMAP4rev1] ready");
        written();
        feed("P2 BAD Command syntax error");
        ProxyFailureException failure = failure(ProxyFailure.PROTOCOL, true);
        assertTrue(failure.getMessage().contains("P2 BAD Command syntax error"), failure.getMessage());
        assertFalse(failure.getMessage().contains("s3cret"), "the detail shows our command");
    }

    @Test
    void unsolicitedUntaggedLinesDuringLoginAreNotAnsweredAndCapabilitiesRemembered() {
        start(PASSWORD);
        feed("* OK ready");
        assertEquals("P1 CAPABILITY\r\n", written());
        feed("* OK [ALERT] Maintenance tonight", "* CAPABILITY IMAP4rev1 AUTH=PLAIN SASL-IR", "P1 OK done");
        assertEquals("P2 AUTHENTICATE PLAIN " + plainIr("alice", PASSWORD) + "\r\n", written());
        feed("* OK [ALERT] Your quota is almost full", "* CAPABILITY IMAP4rev1 IDLE MOVE", "* 3 EXISTS",
                "P2 OK Logged in");
        assertEquals(List.of("IMAP4rev1", "IDLE", "MOVE"), loggedIn().capabilities());
        assertEquals("", written(), "no CAPABILITY asked: the untagged one was remembered");
    }

    /**
     * Finding 8j: status lines sent in answer to our login (RFC 9051 7.1, an ALERT must reach the user) are kept for
     * the client, in order, through the P3 CAPABILITY; the greeting, capability lines and codes, and data are not.
     */
    @Test
    void untaggedStatusLinesAnsweringOurLoginAreKeptForTheClient() {
        start(PASSWORD);
        feed("* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN SASL-IR] ready");
        written();
        feed("* OK [ALERT] Your quota is almost full", "* CAPABILITY IMAP4rev1 IDLE", "* 3 EXISTS",
                "* NO Mailbox INBOX is being repaired", "* OK [CAPABILITY IMAP4rev1 IDLE] x", "* BAD odd",
                "* ok [ALERT] lower case");
        feed("P2 OK Logged in");
        assertEquals("", written());
        assertEquals(List.of("OK [ALERT] Your quota is almost full", "NO Mailbox INBOX is being repaired", "BAD odd",
                "OK [ALERT] lower case"), loggedIn().untagged());
    }

    @Test
    void untaggedLinesDuringThePostLoginCapabilityAreKeptToo() {
        start(PASSWORD);
        feed("* OK [CAPABILITY IMAP4rev1] ready");
        written();
        feed("P2 OK Logged in");
        assertEquals("P3 CAPABILITY\r\n", written());
        feed("* OK [ALERT] Password expires in 3 days", "* CAPABILITY IMAP4rev1 IDLE", "P3 OK done");
        assertEquals(List.of("OK [ALERT] Password expires in 3 days"), loggedIn().untagged());
    }

    @Test
    void aRejectedLoginCarriesTheLinesBeforeTheNo() {
        start(PASSWORD);
        feed("* OK [CAPABILITY IMAP4rev1] ready");
        written();
        feed("* NO [ALERT] Account locked, call the help desk", "P2 NO [AUTHENTICATIONFAILED] Wrong password");
        assertEquals(new LoginResult.Rejected("[AUTHENTICATIONFAILED] Wrong password",
                List.of("NO [ALERT] Account locked, call the help desk")), result.getNow());
    }

    /** Finding 8j: a kept line is one clean line (no CR or control to inject with), and only so many are kept. */
    @Test
    void keptLinesAreSingleCleanLinesAndBounded() {
        start(PASSWORD);
        feed("* OK [CAPABILITY IMAP4rev1] ready");
        written();
        ch.writeInbound(Unpooled.copiedBuffer("* OK [ALERT] one\rP2 OK fake\u0000\u001b[2J\r\n", UTF_8));
        for (int i = 0; i < 40; i++) {
            feed("* OK [ALERT] line " + i);
        }
        feed("P2 OK Logged in", "* CAPABILITY IMAP4rev1", "P3 OK done");
        List<String> lines = loggedIn().untagged();
        assertEquals(BackendNotices.MAX_LINES, lines.size());
        assertEquals("OK [ALERT] one P2 OK fake  [2J", lines.get(0));
        for (String line : lines) {
            assertTrue(line.chars().noneMatch(c -> c < 0x20 || c == 0x7f), line);
            assertTrue(line.length() <= MAX_LINE, line);
        }
    }

    @Test
    void withoutPostLoginCapabilitiesTheyAreAskedForWithP3() {
        start(PASSWORD);
        feed("* OK [CAPABILITY IMAP4rev1] ready");
        written();
        feed("P2 OK Logged in");
        assertFalse(result.isDone());
        assertEquals("P3 CAPABILITY\r\n", written());
        feed("* CAPABILITY IMAP4rev1 IDLE", "P3 OK done");
        assertEquals(List.of("IMAP4rev1", "IDLE"), loggedIn().capabilities());
    }

    @Test
    void aFailedPostLoginCapabilityBelongsToTheLogin() {
        start(PASSWORD);
        feed("* OK [CAPABILITY IMAP4rev1] ready");
        feed("P2 OK Logged in");
        feed("P3 BAD what?");
        failure(ProxyFailure.PROTOCOL, true);
    }

    @Test
    void preAuthOnlyCapabilitiesAreStrippedFromThePostLoginList() {
        start(PASSWORD);
        feed("* OK [CAPABILITY IMAP4rev1 STARTTLS AUTH=PLAIN] ready");
        written();
        feed("P2 OK [CAPABILITY IMAP4rev1 STARTTLS LOGINDISABLED AUTH=PLAIN AUTH=LOGIN SASL-IR LOGIN-REFERRALS IDLE]"
                + " Logged in");
        assertEquals(List.of("IMAP4rev1", "IDLE"), loggedIn().capabilities());
    }

    // ---- BYE, garbage, limits, closes and timeouts ---------------------------------------------------------------

    @Test
    void byeAsTheGreetingFailsBeforeCredentials() {
        start(PASSWORD);
        feed("* BYE Too many connections");
        assertEquals("", written());
        failure(ProxyFailure.CONNECT, false);
    }

    @Test
    void byeWhileCapabilitiesAreAskedForFailsBeforeCredentials() {
        start(PASSWORD);
        feed("* OK ready");
        written();
        feed("* BYE Shutting down");
        failure(ProxyFailure.CONNECT, false);
    }

    @Test
    void byeDuringTheLoginBelongsToTheLogin() {
        start(PASSWORD);
        feed("* OK [CAPABILITY IMAP4rev1] ready");
        feed("* BYE Internal error");
        failure(ProxyFailure.CONNECT, true);
    }

    @Test
    void byeDuringThePostLoginCapabilityBelongsToTheLogin() {
        start(PASSWORD);
        feed("* OK [CAPABILITY IMAP4rev1] ready", "P2 OK Logged in");
        feed("* BYE Autologout");
        failure(ProxyFailure.CONNECT, true);
    }

    @ParameterizedTest
    @ValueSource(strings = {"HTTP/1.1 400 Bad Request", "+ ", "* PREAUTH already logged in", "garbage"})
    void aGreetingThatIsNotOkIsAProtocolFailure(String greeting) {
        start(PASSWORD);
        feed(greeting);
        assertEquals("", written());
        failure(ProxyFailure.PROTOCOL, false);
    }

    @Test
    void garbageForATaggedLoginReplyBelongsToTheLogin() {
        start(PASSWORD);
        feed("* OK [CAPABILITY IMAP4rev1] ready");
        written();
        feed("P2 WHATEVER");
        failure(ProxyFailure.PROTOCOL, true);
    }

    @Test
    void aFailedCapabilityCommandIsAProtocolFailureBeforeCredentials() {
        start(PASSWORD);
        feed("* OK ready");
        feed("P1 BAD unknown command");
        failure(ProxyFailure.PROTOCOL, false);
    }

    @Test
    void aLineOverTheLimitIsAProtocolFailure() {
        start(PASSWORD);
        ch.writeInbound(Unpooled.copiedBuffer("* OK " + "x".repeat(MAX_LINE), UTF_8));
        failure(ProxyFailure.PROTOCOL, false);
    }

    @Test
    void aLineOverTheLimitDuringLoginBelongsToTheLogin() {
        start(PASSWORD);
        feed("* OK [CAPABILITY IMAP4rev1] ready");
        ch.writeInbound(Unpooled.copiedBuffer("* OK " + "x".repeat(MAX_LINE), UTF_8));
        failure(ProxyFailure.PROTOCOL, true);
    }

    @Test
    void aCloseBeforeTheLoginFailsBeforeCredentials() {
        start(PASSWORD);
        feed("* OK ready");
        ch.close();
        failure(ProxyFailure.CONNECT, false);
    }

    @Test
    void aHalfCloseDuringTheLoginBelongsToTheLogin() {
        start(PASSWORD);
        feed("* OK [CAPABILITY IMAP4rev1] ready");
        ch.pipeline().fireUserEventTriggered(ChannelInputShutdownEvent.INSTANCE);
        failure(ProxyFailure.CONNECT, true);
    }

    @Test
    void silenceBeforeTheGreetingTimesOutBeforeCredentials() {
        start(PASSWORD);
        ch.advanceTimeBy(TIMEOUT.toMillis() - 1, TimeUnit.MILLISECONDS);
        ch.runScheduledPendingTasks();
        assertFalse(result.isDone(), "timed out early");
        ch.advanceTimeBy(1, TimeUnit.MILLISECONDS);
        ch.runScheduledPendingTasks();
        ProxyFailureException failure = failure(ProxyFailure.TIMEOUT, false);
        assertTrue(failure.getMessage().contains("[login state greeting]"), failure.getMessage());
    }

    @Test
    void silenceAfterTheLoginTimesOutAndBelongsToTheLogin() {
        start(PASSWORD);
        feed("* OK [CAPABILITY IMAP4rev1] ready");
        ch.advanceTimeBy(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        ch.runScheduledPendingTasks();
        ProxyFailureException failure = failure(ProxyFailure.TIMEOUT, true);
        assertTrue(failure.getMessage().contains("[login state login]"), failure.getMessage());
    }

    @Test
    void aLoginThatSucceedsCancelsItsTimer() {
        start(PASSWORD);
        feed("* OK [CAPABILITY IMAP4rev1] ready", "P2 OK [CAPABILITY IMAP4rev1] Logged in");
        ch.advanceTimeBy(TIMEOUT.toMillis() * 2, TimeUnit.MILLISECONDS);
        ch.runScheduledPendingTasks();
        loggedIn();
        assertTrue(ch.isOpen(), "a logged-in backend was closed by the login timer");
    }

    // ---- STARTTLS -----------------------------------------------------------------------------------------------

    private static BackendTlsContexts startTls() throws Exception {
        PoolConfig pool = PoolConfig.of("secure", Map.of("backends", List.of(BACKEND),
                "tls", Map.of("mode", "starttls", "insecure", true)));
        return BackendTlsContexts.build(Map.of("secure", pool), "jdk", Duration.ofSeconds(5));
    }

    @Test
    void starttlsPutsTlsFirstAndSendsNothingInPlaintextAfterTheOk() throws Exception {
        try (BackendTlsContexts tls = startTls()) {
            start("alice", PASSWORD, tls);
            feed("* OK [CAPABILITY IMAP4rev1 STARTTLS LOGINDISABLED] ready");
            assertEquals("P0 STARTTLS\r\n", written());
            feed("P0 OK Begin TLS negotiation now");
            assertEquals(PipelineNames.BACKEND_TLS, ch.pipeline().names().get(0));
            assertInstanceOf(SslHandler.class, ch.pipeline().first());
            String hello = written();
            assertEquals(0x16, hello.charAt(0), "the first bytes after the OK are not a TLS handshake record");
            assertFalse(hello.contains("LOGIN"), "a command went out before TLS was up");
            assertFalse(result.isDone());
        }
    }

    @Test
    void bytesPipelinedBehindTheStarttlsOkAreRefused() throws Exception {
        try (BackendTlsContexts tls = startTls()) {
            start("alice", PASSWORD, tls);
            feed("* OK [CAPABILITY IMAP4rev1 STARTTLS] ready");
            written();
            ch.writeInbound(Unpooled.copiedBuffer("P0 OK Begin TLS\r\n* CAPABILITY IMAP4rev1 AUTH=PLAIN\r\n", UTF_8));
            failure(ProxyFailure.PROTOCOL, false);
            assertEquals("", written(), "no TLS handshake or command after an injection attempt");
        }
    }

    @Test
    void aBackendWithoutStarttlsIsATlsFailureBeforeCredentials() throws Exception {
        try (BackendTlsContexts tls = startTls()) {
            start("alice", PASSWORD, tls);
            feed("* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] ready");
            assertEquals("", written());
            failure(ProxyFailure.TLS, false);
        }
    }

    @Test
    void aRefusedStarttlsIsATlsFailureBeforeCredentials() throws Exception {
        try (BackendTlsContexts tls = startTls()) {
            start("alice", PASSWORD, tls);
            feed("* OK [CAPABILITY IMAP4rev1 STARTTLS] ready", "P0 NO not now");
            failure(ProxyFailure.TLS, false);
        }
    }

    @Test
    void byeDuringStarttlsFailsBeforeCredentials() throws Exception {
        try (BackendTlsContexts tls = startTls()) {
            start("alice", PASSWORD, tls);
            feed("* OK [CAPABILITY IMAP4rev1 STARTTLS] ready", "* BYE going down");
            failure(ProxyFailure.CONNECT, false);
        }
    }
}
