package dev.postern.frontend;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.postern.auth.LoginPenalties;
import dev.postern.config.LimitsConfig;
import dev.postern.config.ListenerConfig;
import dev.postern.config.TimeoutsConfig;
import dev.postern.config.TlsConfig;
import dev.postern.imap.Credentials;
import dev.postern.metrics.ProxyMetrics;
import dev.postern.session.BackendGateway;
import dev.postern.session.LoginResult;
import dev.postern.session.PipelineNames;
import dev.postern.session.ProxyFailure;
import dev.postern.session.ProxyFailureException;
import dev.postern.session.SessionContext;
import dev.postern.testing.SplitFeeder;
import dev.postern.testing.TestSecrets;
import dev.postern.tls.SelfSignedCertificates;
import dev.postern.tls.ServerTls;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoop;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.MockTicker;
import io.netty.util.concurrent.Ticker;
import io.netty.util.concurrent.Promise;
import java.io.ByteArrayOutputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * The pre-auth state machine in the pipeline {@link FrontendInitializer} builds, on an {@link EmbeddedChannel},
 * with a stub {@link BackendGateway} whose logins the test completes. Every assertion is on the exact lines the
 * client receives. Login variants are also fed split at every byte and one byte at a time.
 */
class PreAuthHandlerTest {
    private static final String GREETING = "Postern test ready.";
    private static final String PASSWORD = TestSecrets.register("Corr3ct-Horse");

    private static final ListenerConfig PLAIN =
            ListenerConfig.of(Map.of("name", "plain", "bind", "127.0.0.1:1143", "tls", "none"));
    private static final ListenerConfig STARTTLS_REQUIRED =
            ListenerConfig.of(Map.of("name", "imap", "bind", "127.0.0.1:143", "tls", "starttls"));
    private static final ListenerConfig STARTTLS_OPTIONAL =
            ListenerConfig.of(Map.of("name", "imap", "bind", "127.0.0.1:143", "tls", "starttls", "require_tls", false));
    private static final ListenerConfig IMPLICIT =
            ListenerConfig.of(Map.of("name", "imaps", "bind", "127.0.0.1:993", "tls", "implicit"));

    private static final String CAPS_LOGIN = "IMAP4rev1 SASL-IR ID LITERAL- AUTH=PLAIN AUTH=LOGIN";
    private static final String CAPS_STARTTLS_REQUIRED = "IMAP4rev1 SASL-IR ID LITERAL- STARTTLS LOGINDISABLED";
    private static final String CAPS_STARTTLS_OPTIONAL =
            "IMAP4rev1 SASL-IR ID LITERAL- STARTTLS AUTH=PLAIN AUTH=LOGIN";

    private static final String AUTH_FAILED = "[AUTHENTICATIONFAILED] Authentication failed.";
    private static final String INVALID_CHARS = "NO [AUTHENTICATIONFAILED] Invalid characters in user name or password";

    @TempDir
    static Path certDir;
    static Path certificate;
    static ServerTls serverTls;

    @BeforeAll
    static void makeCertificate() throws Exception {
        certificate = certDir.resolve("server.crt");
        TlsConfig config = TlsConfig.of(Map.of("certificate", certificate, "key", certDir.resolve("server.key"),
                "self_signed_if_missing", true));
        SelfSignedCertificates.createIfMissing(config);
        serverTls = ServerTls.load(config, Duration.ofSeconds(10));
    }

    // ---------------------------------------------------------------- greeting and simple commands

    @Test
    void greetingCarriesTheConfiguredTextAndPreAuthCapabilities() {
        record Case(ListenerConfig listener, String capabilities) { }
        for (Case c : List.of(new Case(PLAIN, CAPS_LOGIN), new Case(STARTTLS_REQUIRED, CAPS_STARTTLS_REQUIRED),
                new Case(STARTTLS_OPTIONAL, CAPS_STARTTLS_OPTIONAL))) {
            try (Session s = new Session(c.listener())) {
                assertEquals(List.of("* OK [CAPABILITY " + c.capabilities() + "] " + GREETING), s.lines());
                assertTrue(s.ch.isActive());
            }
        }
    }

    @Test
    void capabilityListsThePreAuthCapabilities() {
        try (Session s = Session.greeted(STARTTLS_REQUIRED)) {
            s.send("a1 CAPABILITY\r\n");
            assertEquals(List.of("* CAPABILITY " + CAPS_STARTTLS_REQUIRED, "a1 OK Capability completed."), s.lines());
        }
        try (Session s = Session.greeted(PLAIN)) {
            s.send("a1 capability\r\n");
            assertEquals(List.of("* CAPABILITY " + CAPS_LOGIN, "a1 OK Capability completed."), s.lines());
        }
    }

    @Test
    void noopIsAnsweredAndCommandsMayArriveTogether() {
        try (Session s = Session.greeted(PLAIN)) {
            s.send("a NOOP\r\nb NOOP\nc CAPABILITY\r\n");
            assertEquals(List.of("a OK NOOP completed.", "b OK NOOP completed.", "* CAPABILITY " + CAPS_LOGIN,
                    "c OK Capability completed."), s.lines());
        }
    }

    @Test
    void commandsThatTakeNoArgumentsRefuseArguments() {
        try (Session s = Session.greeted(PLAIN)) {
            s.send("a NOOP x\r\nb CAPABILITY y\r\nc LOGOUT z\r\n");
            assertEquals(List.of("a BAD NOOP takes no arguments", "b BAD CAPABILITY takes no arguments",
                    "c BAD LOGOUT takes no arguments"), s.lines());
            assertTrue(s.ch.isActive());
        }
    }

    @Test
    void logoutSaysByeAnswersOkAndCloses() {
        try (Session s = Session.greeted(PLAIN)) {
            s.send("a LOGOUT\r\nb NOOP\r\n");
            assertEquals(List.of("* BYE Logging out", "a OK Logout completed."), s.lines());
            assertFalse(s.ch.isOpen());
        }
    }

    @Test
    void commandsOfLaterStatesAndUnknownCommandsAreBad() {
        try (Session s = Session.greeted(PLAIN)) {
            s.send("a SELECT INBOX\r\nb uid fetch 1 BODY[]\r\nc XYZZY\r\n");
            assertEquals(List.of("a BAD Command not permitted before login", "b BAD Command not permitted before login",
                    "c BAD Unknown command XYZZY"), s.lines());
        }
    }

    @Test
    void syntaxErrorsAreBadWithTheTagWhenItIsUsable() {
        try (Session s = Session.greeted(PLAIN)) {
            s.send("a LOGIN \"alice\r\n+ NOOP\r\n\r\nb LOGIN alice \"x\\y\"\r\n");
            assertEquals(List.of("a BAD Error in IMAP command: Unterminated quoted string",
                    "* BAD Error in IMAP command: Invalid tag", "* BAD Error in IMAP command: Empty command line",
                    "b BAD Error in IMAP command: Invalid escape in quoted string"), s.lines());
            assertEquals(List.of(), s.gateway.logins);
        }
    }

    // ---------------------------------------------------------------- ID

    @Test
    void idAcceptsNilAndAFieldList() {
        try (Session s = Session.greeted(PLAIN)) {
            s.send("a ID NIL\r\nb ID (\"name\" \"Thunderbird\" \"version\" NIL)\r\nc ID ()\r\n"
                    + "d ID (\"name\" {3}\r\nfoo)\r\n");
            assertEquals(List.of("* ID NIL", "a OK ID completed.", "* ID NIL", "b OK ID completed.",
                    "* ID NIL", "c OK ID completed.", "+ Ready for literal data", "* ID NIL", "d OK ID completed."),
                    s.lines());
        }
    }

    @Test
    void idRefusesWhatRfc2971Forbids() {
        StringBuilder pairs31 = new StringBuilder("a ID (");
        for (int i = 0; i < 31; i++) {
            pairs31.append(i == 0 ? "" : " ").append("\"f").append(i).append("\" \"v\"");
        }
        pairs31.append(")\r\n");
        LimitsConfig lenient = LimitsConfig.of(Map.of("max_bad_commands", 100));
        try (Session s = Session.greeted(PLAIN, lenient)) {
            s.send(pairs31.toString());
            s.send("b ID (\"" + "f".repeat(31) + "\" \"v\")\r\n");
            s.send("c ID (\"" + "f".repeat(30) + "\" \"" + "v".repeat(1025) + "\")\r\n");
            s.send("d ID (\"name\")\r\n");
            s.send("e ID (name \"x\")\r\n");
            s.send("f ID (\"name\" (\"x\"))\r\n");
            s.send("g ID\r\n");
            s.send("h ID foo\r\n");
            s.send("i ID NIL NIL\r\n");
            assertEquals(List.of("a BAD ID list must hold at most 30 field/value pairs",
                    "b BAD ID field names are strings of at most 30 octets",
                    "c BAD ID values are NIL or strings of at most 1024 octets",
                    "d BAD ID list must hold at most 30 field/value pairs",
                    "e BAD ID field names are strings of at most 30 octets",
                    "f BAD ID values are NIL or strings of at most 1024 octets",
                    "g BAD ID takes one argument",
                    "h BAD ID takes a list or NIL",
                    "i BAD ID takes one argument"), s.lines());
            assertTrue(s.ch.isActive());
        }
    }

    @Test
    void aFullThirtyPairIdLineOfAbout32KbIsAccepted() {
        StringBuilder line = new StringBuilder("a ID (");
        for (int i = 0; i < 30; i++) {
            String name = String.format("x-field-%02d", i);
            name = name + "n".repeat(30 - name.length());
            line.append(i == 0 ? "" : " ").append('"').append(name).append("\" \"")
                    .append(Character.toString('a' + i % 26).repeat(1024)).append('"');
        }
        line.append(")\r\n");
        assertTrue(line.length() > 31_000, "line is " + line.length());
        byte[] input = line.toString().getBytes(ISO_8859_1);
        List<String> expected = List.of("* ID NIL", "a OK ID completed.");
        // Whole, and in 61-octet reads (one byte at a time would only re-test the framer, slowly).
        List<byte[]> reads = new ArrayList<>();
        for (int i = 0; i < input.length; i += 61) {
            reads.add(Arrays.copyOfRange(input, i, Math.min(input.length, i + 61)));
        }
        for (List<byte[]> chunks : List.of(List.of(input), reads)) {
            try (Session s = Session.greeted(PLAIN)) {
                chunks.forEach(s::send);
                assertEquals(expected, s.lines());
            }
        }
    }

    // ---------------------------------------------------------------- LOGIN

    @Test
    void loginWithAtoms() {
        assertSameEveryWay(PLAIN, "a LOGIN alice@example.org " + PASSWORD + "\r\n", List.of(),
                List.of(List.of("alice@example.org", PASSWORD)));
    }

    @Test
    void loginWithQuotedStringsAndEscapes() {
        String password = TestSecrets.register("pa\"ss\\word");
        assertSameEveryWay(PLAIN, "a LOGIN \"al ice\" \"pa\\\"ss\\\\word\"\r\n", List.of(),
                List.of(List.of("al ice", password)));
    }

    @Test
    void loginWithSynchronizingLiteralsGetsAContinuationForEach() {
        assertSameEveryWay(PLAIN, "a LOGIN {5}\r\nalice {13}\r\n" + PASSWORD + "\r\n",
                List.of("+ Ready for literal data", "+ Ready for literal data"),
                List.of(List.of("alice", PASSWORD)));
    }

    @Test
    void loginWithLiteralMinusNonSynchronizingLiterals() {
        assertSameEveryWay(PLAIN, "a LOGIN {5+}\r\nalice {13+}\r\n" + PASSWORD + "\r\n", List.of(),
                List.of(List.of("alice", PASSWORD)));
    }

    @Test
    void loginMixesAnAtomAndALiteral() {
        String password = TestSecrets.register("sp ace\"d");
        assertSameEveryWay(PLAIN, "a LOGIN alice {8+}\r\n" + password + "\r\n", List.of(),
                List.of(List.of("alice", password)));
    }

    @Test
    void loginWithAUtf8UserInALiteral() {
        byte[] user = "j\u00f6rg@example.org".getBytes(UTF_8);
        byte[] head = ("a LOGIN {" + user.length + "+}\r\n").getBytes(ISO_8859_1);
        byte[] tail = (" " + PASSWORD + "\r\n").getBytes(ISO_8859_1);
        try (Session s = Session.greeted(PLAIN)) {
            s.send(concat(head, user, tail));
            assertEquals(List.of(), s.lines());
            assertEquals(List.of(List.of("j\u00f6rg@example.org", PASSWORD)), s.gateway.userAndPasswords());
        }
    }

    /** Finding 8g: NIL is an atom, so a valid astring (RFC 9051 section 9): user "NIL", password as spelled. */
    @Test
    void loginTakesNilAsAUserNameAndAPassword() {
        assertSameEveryWay(PLAIN, "a LOGIN NIL nil\r\n", List.of(), List.of(List.of("NIL", "nil")));
    }

    /** Finding 8g: ATOM-CHAR is 7-bit; an 8-bit atom is BAD instead of reaching a route source as U+FFFD. */
    @Test
    void anEightBitAtomIsBadAndReachesNoBackend() {
        try (Session s = Session.greeted(PLAIN)) {
            s.send(concat("a LOGIN j".getBytes(ISO_8859_1), "\u00f6rg".getBytes(UTF_8), " pw\r\n".getBytes(ISO_8859_1)));
            s.send(concat("b LOGIN jo pw".getBytes(ISO_8859_1), new byte[] {(byte) 0xe9}, "\r\n".getBytes(ISO_8859_1)));
            String bad = " BAD Error in IMAP command: 8-bit octet in an atom (send it as a quoted string or a literal)";
            assertEquals(List.of("a" + bad, "b" + bad), s.lines());
            assertEquals(List.of(), s.gateway.logins);
        }
    }

    /** Finding 8g: a UTF-8 user name in a quoted string reaches the gateway with its exact octets. */
    @Test
    void aUtf8QuotedUserKeepsItsOctets() {
        byte[] user = "j\u00f6rg@example.org".getBytes(UTF_8);
        try (Session s = Session.greeted(PLAIN)) {
            s.send(concat("a LOGIN \"".getBytes(ISO_8859_1), user, ("\" " + PASSWORD + "\r\n").getBytes(ISO_8859_1)));
            assertEquals(List.of(), s.lines());
            assertEquals(List.of(List.of("j\u00f6rg@example.org", PASSWORD)), s.gateway.userAndPasswords());
            assertArrayEquals(user, s.gateway.last().userOctets());
        }
    }

    /**
     * Finding 8g: route keys are text, so a user name that is not UTF-8 could only become one by losing octets
     * (two names, one key). It is refused before any backend or route source, like other unsendable credentials.
     */
    @Test
    void aUserNameThatIsNotUtf8IsRefusedBeforeAnyRouteLookup() {
        for (byte[] user : List.of(new byte[] {'j', (byte) 0xf6, 'r', 'g'}, new byte[] {'j', (byte) 0xfc, 'r', 'g'})) {
            try (Session s = Session.greeted(PLAIN)) {
                s.send(concat("a LOGIN {4+}\r\n".getBytes(ISO_8859_1), user, (" " + PASSWORD + "\r\n").getBytes(ISO_8859_1)));
                assertEquals(List.of("a " + INVALID_CHARS), s.lines());
                assertEquals(List.of(), s.gateway.logins);
            }
        }
    }

    /**
     * Finding 8m: once the login is answered, the frame the LOGIN came in (line and literal octets) and the
     * credentials the gateway was given hold zeros only, whichever way the password was sent.
     */
    @Test
    void afterALoginTheCommandFrameAndTheCredentialsAreZeroed() {
        for (String login : List.of("a LOGIN alice " + PASSWORD + "\r\n", "a LOGIN alice \"" + PASSWORD + "\"\r\n",
                "a LOGIN {5+}\r\nalice {13+}\r\n" + PASSWORD + "\r\n")) {
            try (Session s = Session.greeted(PLAIN)) {
                List<dev.postern.imap.CommandFrame> frames = new ArrayList<>();
                s.ch.pipeline().addBefore(PipelineNames.PRE_AUTH, "spy", new ChannelInboundHandlerAdapter() {
                    @Override
                    public void channelRead(io.netty.channel.ChannelHandlerContext ctx, Object msg) {
                        if (msg instanceof dev.postern.imap.CommandFrame frame) {
                            frames.add(frame);
                        }
                        ctx.fireChannelRead(msg);
                    }
                });
                s.send(login);
                StubGateway.Login sent = s.gateway.last();
                s.gateway.last().promise().setSuccess(new LoginResult.Rejected(AUTH_FAILED));
                assertEquals(List.of("a NO " + AUTH_FAILED), s.lines());
                assertEquals(1, frames.size(), login);
                for (byte[] b : frames.get(0).lines()) {
                    assertArrayEquals(new byte[b.length], b, login);
                }
                for (byte[] b : frames.get(0).literals()) {
                    assertArrayEquals(new byte[b.length], b, login);
                }
                byte[] password = sent.credentials().password();
                assertArrayEquals(new byte[password.length], password, login);
            }
        }
    }

    @Test
    void loginNeedsExactlyAUserAndAPassword() {
        try (Session s = Session.greeted(PLAIN, limits(100, 100, 3))) {
            s.send("a LOGIN alice\r\nb LOGIN alice pw extra\r\nc LOGIN () pw\r\nd LOGIN alice (pw)\r\ne LOGIN\r\n");
            assertEquals(List.of("a BAD LOGIN expects a user name and a password",
                    "b BAD LOGIN expects a user name and a password", "c BAD LOGIN expects a user name and a password",
                    "d BAD LOGIN expects a user name and a password", "e BAD LOGIN expects a user name and a password"),
                    s.lines());
            assertEquals(List.of(), s.gateway.logins);
        }
    }

    @Test
    void aNonSynchronizingLiteralOver4096OctetsIsRefusedAndTheConnectionClosed() {
        try (Session s = Session.greeted(PLAIN)) {
            s.send("a LOGIN {4097+}\r\n" + "x".repeat(4097) + " pw\r\n");
            assertEquals(List.of("a BAD Non-synchronizing literal larger than 4096 octets (LITERAL-)",
                    "* BYE Too much invalid input, disconnecting"), s.lines());
            assertFalse(s.ch.isOpen());
            assertEquals(List.of(), s.gateway.logins);
            assertEquals(List.of("literal_too_large"), s.metrics.limits);
        }
    }

    @Test
    void theGatewayGetsTheSessionAndTheChannelsEventLoop() {
        try (Session s = Session.greeted(PLAIN)) {
            s.send("a LOGIN alice " + PASSWORD + "\r\n");
            StubGateway.Login login = s.gateway.last();
            assertSame(s.ch.eventLoop(), login.loop());
            assertSame(s.ch.attr(SessionContext.KEY).get(), login.session());
            assertEquals("plain", login.session().listener());
            assertEquals(1, login.attempt());
            assertFalse(s.ch.config().isAutoRead(), "the client is not read while its login runs");
        }
    }

    // ---------------------------------------------------------------- AUTHENTICATE PLAIN

    @Test
    void authenticatePlainWithAnInitialResponse() {
        assertSameEveryWay(PLAIN, "a AUTHENTICATE PLAIN " + plain("", "alice", PASSWORD) + "\r\n", List.of(),
                List.of(List.of("alice", PASSWORD)));
    }

    @Test
    void authenticatePlainWithAContinuation() {
        assertSameEveryWay(PLAIN, "a AUTHENTICATE plain\r\n" + plain("", "alice", PASSWORD) + "\r\n", List.of("+ "),
                List.of(List.of("alice", PASSWORD)));
    }

    @Test
    void authenticatePlainAcceptsAnAuthzidEqualToTheUser() {
        assertSameEveryWay(PLAIN, "a AUTHENTICATE PLAIN " + plain("alice", "alice", PASSWORD) + "\r\n", List.of(),
                List.of(List.of("alice", PASSWORD)));
    }

    @Test
    void authenticatePlainWithAnEmptyInitialResponseIsADecodeError() {
        assertSameEveryWay(PLAIN, "a AUTHENTICATE PLAIN =\r\n",
                List.of("a BAD Invalid PLAIN message (expected: authzid NUL authcid NUL password)"), List.of());
    }

    @Test
    void authenticateCancelledWithStar() {
        assertSameEveryWay(PLAIN, "a AUTHENTICATE PLAIN\r\n*\r\nb NOOP\r\n",
                List.of("+ ", "a BAD Authentication cancelled", "b OK NOOP completed."), List.of());
    }

    @Test
    void authenticateRefusesAnAuthzidOtherThanTheUser() {
        assertSameEveryWay(PLAIN, "a AUTHENTICATE PLAIN " + plain("admin", "alice", PASSWORD) + "\r\n",
                List.of("a BAD Authorization identity must be empty or the login name"), List.of());
        assertSameEveryWay(PLAIN, "a AUTHENTICATE PLAIN\r\n" + plain("admin", "alice", PASSWORD) + "\r\n",
                List.of("+ ", "a BAD Authorization identity must be empty or the login name"), List.of());
    }

    @Test
    void authenticateRefusesBadBase64AndOtherMechanisms() {
        try (Session s = Session.greeted(PLAIN, limits(100, 100, 3))) {
            s.send("a AUTHENTICATE PLAIN !!!!\r\nb AUTHENTICATE PLAIN\r\nnot base64\r\nc AUTHENTICATE CRAM-MD5\r\n"
                    + "d AUTHENTICATE\r\ne AUTHENTICATE \"PLAIN\"\r\n");
            assertEquals(List.of("a BAD Invalid base64 data", "+ ", "b BAD Invalid base64 data",
                    "c NO Unsupported authentication mechanism",
                    "d BAD AUTHENTICATE expects a mechanism and an optional initial response",
                    "e BAD AUTHENTICATE expects a mechanism and an optional initial response"), s.lines());
            assertEquals(List.of(), s.gateway.logins);
        }
    }

    // ---------------------------------------------------------------- AUTHENTICATE LOGIN

    private static final String USERNAME_PROMPT = "+ VXNlcm5hbWU6";
    private static final String PASSWORD_PROMPT = "+ UGFzc3dvcmQ6";

    @Test
    void authenticateLoginPromptsForTheUserThenThePassword() {
        assertSameEveryWay(PLAIN, "a AUTHENTICATE LOGIN\r\n" + b64("alice") + "\r\n" + b64(PASSWORD) + "\r\n",
                List.of(USERNAME_PROMPT, PASSWORD_PROMPT), List.of(List.of("alice", PASSWORD)));
    }

    @Test
    void authenticateLoginWithAnInitialResponseTakesItAsTheUserName() {
        assertSameEveryWay(PLAIN, "a authenticate login " + b64("alice") + "\r\n" + b64(PASSWORD) + "\r\n",
                List.of(PASSWORD_PROMPT), List.of(List.of("alice", PASSWORD)));
    }

    @Test
    void authenticateLoginIsCancelledByAStarAtEitherPrompt() {
        assertSameEveryWay(PLAIN, "a AUTHENTICATE LOGIN\r\n*\r\nb NOOP\r\n",
                List.of(USERNAME_PROMPT, "a BAD Authentication cancelled", "b OK NOOP completed."), List.of());
        assertSameEveryWay(PLAIN, "a AUTHENTICATE LOGIN\r\n" + b64("alice") + "\r\n*\r\nb NOOP\r\n",
                List.of(USERNAME_PROMPT, PASSWORD_PROMPT, "a BAD Authentication cancelled", "b OK NOOP completed."),
                List.of());
        assertSameEveryWay(PLAIN, "a AUTHENTICATE LOGIN " + b64("alice") + "\r\n*\r\n",
                List.of(PASSWORD_PROMPT, "a BAD Authentication cancelled"), List.of());
    }

    @Test
    void authenticateLoginRefusesBadBase64AndAnEmptyUserName() {
        try (Session s = Session.greeted(PLAIN, limits(100, 100, 3))) {
            s.send("a AUTHENTICATE LOGIN !!!!\r\nb AUTHENTICATE LOGIN\r\nnot base64\r\n"
                    + "c AUTHENTICATE LOGIN " + b64("alice") + "\r\n%%%%\r\nd AUTHENTICATE LOGIN =\r\n"
                    + "e AUTHENTICATE LOGIN\r\n\r\nf NOOP\r\n");
            assertEquals(List.of("a BAD Invalid base64 data", USERNAME_PROMPT, "b BAD Invalid base64 data",
                    PASSWORD_PROMPT, "c BAD Invalid base64 data", "d BAD Empty authentication identity",
                    USERNAME_PROMPT, "e BAD Empty authentication identity", "f OK NOOP completed."), s.lines());
            assertEquals(List.of(), s.gateway.logins);
        }
    }

    @Test
    void authenticateLoginWithAnUnsendablePasswordIsRefusedLikeLogin() {
        assertSameEveryWay(PLAIN, "a AUTHENTICATE LOGIN " + b64("alice") + "\r\n" + b64("pass\r\nword") + "\r\n",
                List.of(PASSWORD_PROMPT, "a " + INVALID_CHARS), List.of());
    }

    @Test
    void anAuthenticateLoginResponseLongerThanALineIsBadAndCloses() {
        LimitsConfig small = LimitsConfig.DEFAULTS.with(Map.of("max_line_bytes", 64, "max_literal_bytes", 100,
                "max_literals", 2, "max_pipelined_bytes", 256, "max_backend_line_bytes", 1024));
        try (Session s = Session.greeted(PLAIN, small)) {
            s.send("a AUTHENTICATE LOGIN " + b64("alice") + "\r\n" + b64("p".repeat(60)) + "\r\n");
            assertEquals(List.of(PASSWORD_PROMPT, "* BAD Line too long (limit 64 octets)",
                    "* BYE Too much invalid input, disconnecting"), s.lines());
            assertFalse(s.ch.isOpen());
            assertEquals(List.of(), s.gateway.logins);
        }
    }

    /**
     * Finding 8l: a flood of protocol violations costs at most 10 log lines per second (one interval of the
     * process's failure-line limiter), whatever its size; every violation is still counted.
     */
    @Test
    void protocolViolationLinesAreRateLimited() {
        Logger logger = (Logger) LoggerFactory.getLogger(PreAuthHandler.class);
        ListAppender<ILoggingEvent> appender = new ListAppender<>();
        appender.start();
        logger.addAppender(appender);
        int sessions = 200;
        long started = System.nanoTime();
        try {
            for (int i = 0; i < sessions; i++) {
                try (Session s = Session.greeted(PLAIN)) {
                    s.send("a " + "x".repeat(LimitsConfig.DEFAULTS.maxLineBytes() + 1) + "\r\n");
                    assertFalse(s.ch.isOpen());
                    assertEquals(List.of("line_too_long"), s.metrics.limits);
                }
            }
        } finally {
            logger.detachAppender(appender);
        }
        long seconds = (System.nanoTime() - started + 999_999_999L) / 1_000_000_000L;
        long lines = appender.list.stream().filter(e -> e.getFormattedMessage().contains("Line too long")).count();
        // The run touches at most seconds + 1 intervals of the limiter, 10 lines each.
        assertTrue(lines <= 10 * (seconds + 1), lines + " violation lines for " + sessions + " sessions in "
                + seconds + " s");
    }

    /** Budget: a literal that would take the pre-auth memory budget over its limit is refused before "+". */
    @Test
    void aLiteralOverThePreAuthMemoryBudgetGetsBadAndByeWithLimit() {
        LimitsConfig tight = LimitsConfig.DEFAULTS.with(java.util.Map.of("preauth_memory", 2000));
        for (ListenerConfig listener : List.of(PLAIN, STARTTLS_OPTIONAL)) {
            try (Session s = Session.greeted(listener, tight)) {
                s.send("a LOGIN {1500}\r\n");
                assertEquals(List.of("+ Ready for literal data"), s.lines());
                s.send("x".repeat(1500) + " {1000}\r\n");
                assertEquals(List.of(
                        "a BAD [LIMIT] Too much data held for connections not logged in; try again later",
                        "* BYE [LIMIT] Server busy, disconnecting"), s.lines());
                assertFalse(s.ch.isOpen());
                assertEquals(List.of("preauth_memory"), s.metrics.limits);
                assertEquals(0, s.budget().used());
            }
        }
    }

    @Test
    void aBackendNoToAuthenticateLoginPassesThroughAndTheClientMayRetry() {
        try (Session s = Session.greeted(PLAIN)) {
            s.send("a AUTHENTICATE LOGIN " + b64("alice") + "\r\n" + b64("wrong-password") + "\r\nb NOOP\r\n");
            assertEquals(List.of(PASSWORD_PROMPT), s.lines());
            s.gateway.last().promise().setSuccess(new LoginResult.Rejected(AUTH_FAILED));
            assertEquals(List.of("a NO " + AUTH_FAILED, "b OK NOOP completed."), s.lines());
            s.send("c AUTHENTICATE LOGIN\r\n" + b64("alice") + "\r\n" + b64(PASSWORD) + "\r\n");
            assertEquals(List.of(USERNAME_PROMPT, PASSWORD_PROMPT), s.lines());
            assertEquals(List.of(List.of("alice", "wrong-password"), List.of("alice", PASSWORD)),
                    s.gateway.userAndPasswords());
            assertEquals(List.of(1, 2), s.gateway.logins.stream().map(StubGateway.Login::attempt).toList());
        }
    }

    private static final ListenerConfig OAUTH = ListenerConfig.of(Map.of("name", "plain", "bind", "127.0.0.1:1143",
            "tls", "none", "sasl", List.of("OAUTHBEARER", "XOAUTH2", "PLAIN")));
    private static final String TOKEN = TestSecrets.register("eyJhbGciOi.front-end-token.sig");

    @Test
    void aListenerAdvertisesItsOwnMechanismsInItsOrder() {
        try (Session s = new Session(OAUTH, LimitsConfig.DEFAULTS, TimeoutsConfig.DEFAULTS)) {
            String greeting = s.lines().get(0);
            assertTrue(greeting.contains("AUTH=OAUTHBEARER AUTH=XOAUTH2 AUTH=PLAIN"), greeting);
            assertFalse(greeting.contains("AUTH=LOGIN"), greeting);
        }
    }

    @Test
    void aRefusedOauthbearerTokenGetsTheErrorContinuationThenTheNoAfterTheDummyReply() {
        try (Session s = Session.greeted(OAUTH)) {
            s.send("a AUTHENTICATE OAUTHBEARER " + b64("n,a=alice,\u0001auth=Bearer " + TOKEN + "\u0001\u0001")
                    + "\r\n");
            assertEquals(Credentials.Kind.OAUTHBEARER, s.gateway.last().credentials().kind());
            s.gateway.last().promise().setSuccess(new LoginResult.Rejected(AUTH_FAILED));
            List<String> lines = s.lines();
            assertEquals(1, lines.size(), lines.toString());
            assertEquals("{\"status\":\"invalid_token\",\"schemes\":\"bearer\"}", new String(
                    java.util.Base64.getDecoder().decode(lines.get(0).substring(2)), UTF_8));
            s.send("AQ==\r\nb NOOP\r\n");
            assertEquals(List.of("a NO " + AUTH_FAILED, "b OK NOOP completed."), s.lines());
        }
    }

    @Test
    void aRefusedXoauth2TokenAlsoWaitsForTheClientsEmptyReply() {
        try (Session s = Session.greeted(OAUTH)) {
            s.send("a AUTHENTICATE XOAUTH2 " + b64("user=alice\u0001auth=Bearer " + TOKEN + "\u0001\u0001")
                    + "\r\n");
            s.gateway.last().promise().setSuccess(new LoginResult.Rejected(AUTH_FAILED));
            assertTrue(s.lines().get(0).startsWith("+ "));
            assertEquals(List.of(), s.lines(), "no NO before the client's reply");
            s.send("\r\n");
            assertEquals(List.of("a NO " + AUTH_FAILED), s.lines());
        }
    }

    @Test
    void aPasswordRefusalGetsNoContinuation() {
        try (Session s = Session.greeted(OAUTH)) {
            s.send("a AUTHENTICATE PLAIN " + b64("\0alice\0" + PASSWORD) + "\r\n");
            s.gateway.last().promise().setSuccess(new LoginResult.Rejected(AUTH_FAILED));
            assertEquals(List.of("a NO " + AUTH_FAILED), s.lines());
        }
    }

    /** Finding 8j: the backend's untagged status lines from the login reach the client before its tagged OK. */
    @Test
    void theBackendsAlertsFromTheLoginComeBeforeTheTaggedOk() {
        try (Session s = Session.greeted(PLAIN)) {
            EmbeddedChannel backend = backendOn(s.ch);
            try {
                s.send("a LOGIN alice " + PASSWORD + "\r\n");
                s.gateway.last().promise().setSuccess(new LoginResult.LoggedIn(backend, "b1", List.of("IMAP4rev1"),
                        List.of("OK [ALERT] Your quota is almost full", "NO Mailbox INBOX is being repaired")));
                s.ch.runPendingTasks();
                assertEquals(List.of("* OK [ALERT] Your quota is almost full", "* NO Mailbox INBOX is being repaired",
                        "a OK [CAPABILITY IMAP4rev1] Logged in"), s.lines());
            } finally {
                s.ch.close();
                backend.finishAndReleaseAll();
            }
        }
    }

    /** Finding 8j: and with a NO, before the NO. */
    @Test
    void theBackendsAlertsFromARefusedLoginComeBeforeTheNo() {
        try (Session s = Session.greeted(PLAIN)) {
            s.send("a LOGIN alice " + PASSWORD + "\r\n");
            s.gateway.last().promise().setSuccess(new LoginResult.Rejected(AUTH_FAILED,
                    List.of("NO [ALERT] Account locked, call the help desk")));
            assertEquals(List.of("* NO [ALERT] Account locked, call the help desk", "a NO " + AUTH_FAILED), s.lines());
            assertTrue(s.ch.isActive());
        }
    }

    @Test
    void commandsPipelinedBehindAuthenticateLoginReachTheBackendInOrder() {
        try (Session s = Session.greeted(PLAIN)) {
            EmbeddedChannel backend = backendOn(s.ch);
            try {
                s.send("a AUTHENTICATE LOGIN\r\n" + b64("alice") + "\r\n" + b64(PASSWORD)
                        + "\r\nb SELECT INBOX\r\nc NOOP\r\n");
                assertEquals(List.of(USERNAME_PROMPT, PASSWORD_PROMPT), s.lines());
                s.gateway.last().promise().setSuccess(new LoginResult.LoggedIn(backend, "b1", List.of("IMAP4rev1")));
                s.ch.runPendingTasks();
                assertEquals(List.of("a OK [CAPABILITY IMAP4rev1] Logged in"), s.lines());
                assertEquals("b SELECT INBOX\r\nc NOOP\r\n", outbound(backend));
            } finally {
                s.ch.close();
                backend.finishAndReleaseAll();
            }
        }
    }

    // ---------------------------------------------------------------- TLS required

    @Test
    void loginAndAuthenticateAreRefusedBeforeStartTlsWhenTlsIsRequired() {
        try (Session s = Session.greeted(STARTTLS_REQUIRED)) {
            s.send("a LOGIN alice " + PASSWORD + "\r\n");
            s.send("b AUTHENTICATE PLAIN " + plain("", "alice", PASSWORD) + "\r\n");
            s.send("c AUTHENTICATE PLAIN\r\n");
            assertEquals(List.of(
                    "a NO [PRIVACYREQUIRED] Plaintext authentication disallowed, use STARTTLS first",
                    "b NO [PRIVACYREQUIRED] Plaintext authentication disallowed, use STARTTLS first",
                    "c NO [PRIVACYREQUIRED] Plaintext authentication disallowed, use STARTTLS first"), s.lines());
            assertEquals(List.of(), s.gateway.logins);
            assertTrue(s.ch.isActive());
        }
    }

    @Test
    void authenticateLoginIsRefusedBeforeStartTlsWithoutAPrompt() {
        try (Session s = Session.greeted(STARTTLS_REQUIRED)) {
            s.send("a AUTHENTICATE LOGIN\r\nb AUTHENTICATE LOGIN " + b64("alice") + "\r\n");
            assertEquals(List.of(
                    "a NO [PRIVACYREQUIRED] Plaintext authentication disallowed, use STARTTLS first",
                    "b NO [PRIVACYREQUIRED] Plaintext authentication disallowed, use STARTTLS first"), s.lines());
            assertEquals(List.of(), s.gateway.logins);
        }
    }

    @Test
    void loginIsAllowedBeforeStartTlsWhenTlsIsNotRequired() {
        assertSameEveryWay(STARTTLS_OPTIONAL, "a LOGIN alice " + PASSWORD + "\r\n", List.of(),
                List.of(List.of("alice", PASSWORD)));
    }

    @Test
    void aLiteralIsNeverInvitedBeforeStartTlsOnATlsOnlyListener() {
        try (Session s = Session.greeted(STARTTLS_REQUIRED)) {
            s.send("a LOGIN {5}\r\n");
            assertEquals(List.of("a NO [PRIVACYREQUIRED] Literals are not accepted before STARTTLS"), s.lines());
            s.send("b NOOP\r\n");
            assertEquals(List.of("b OK NOOP completed."), s.lines());
            assertEquals(List.of(), s.gateway.logins);
        }
    }

    // ---------------------------------------------------------------- STARTTLS

    @Test
    void startTlsPutsTlsFirstAndAnswersInPlaintext() {
        try (Session s = Session.greeted(STARTTLS_REQUIRED)) {
            s.send("a STARTTLS\r\n");
            assertEquals(List.of("a OK Begin TLS negotiation now"), s.lines());
            // The ClientHello inspector (ALPN, SNI) sits first under the name "tls" and becomes the SslHandler.
            assertEquals(PipelineNames.TLS, s.ch.pipeline().names().get(0));
            assertTrue(s.ch.isActive());
            assertEquals(List.of(), s.metrics.limits);
        }
    }

    @Test
    void startTlsDiscardsCommandsPipelinedInTheSameWrite() {
        try (Session s = Session.greeted(STARTTLS_REQUIRED)) {
            s.send("a STARTTLS\r\nb LOGIN alice " + PASSWORD + "\r\n");
            assertEquals(List.of("a OK Begin TLS negotiation now"), s.lines());
            assertEquals(List.of(), s.gateway.logins);
            assertEquals(List.of("starttls_injection"), s.metrics.limits);
            assertTrue(s.ch.isActive(), "the handshake may still start");
        }
    }

    @Test
    void noPlaintextCommandAfterStartTlsReachesTheCommandHandlerWhereverTheReadsSplit() {
        byte[] input = ("a STARTTLS\r\nb LOGIN alice " + PASSWORD + "\r\nc NOOP\r\n").getBytes(ISO_8859_1);
        for (SplitFeeder.Way way : SplitFeeder.everyWay(input)) {
            try (Session s = Session.greeted(STARTTLS_OPTIONAL)) {
                for (byte[] chunk : way.reads()) {
                    if (s.ch.isOpen()) {
                        s.send(chunk);
                    }
                }
                List<String> lines = s.lines();
                assertEquals("a OK Begin TLS negotiation now", lines.get(0));
                // Whatever follows is TLS (an alert at most), never a reply to b or c.
                assertFalse(String.join("\n", lines).matches("(?s).*\\b[bc] (OK|NO|BAD)\\b.*"), lines.toString());
                assertEquals(List.of(), s.gateway.logins);
            }
        }
    }

    @Test
    void plaintextAfterStartTlsFailsTheHandshakeAndClosesWithoutLoggingIt() {
        // All of Postern's loggers: the handshake failure is logged by the tls package's HandshakeRecorder.
        Logger logger = (Logger) LoggerFactory.getLogger("dev.postern");
        ListAppender<ILoggingEvent> appender = new ListAppender<>();
        appender.start();
        logger.addAppender(appender);
        try (Session s = Session.greeted(STARTTLS_REQUIRED)) {
            s.send("a STARTTLS\r\n");
            assertEquals(List.of("a OK Begin TLS negotiation now"), s.lines());
            s.send("b LOGIN alice " + PASSWORD + "\r\n");
            assertFalse(s.ch.isOpen());
            assertEquals(List.of(), s.gateway.logins);
            String hex = ByteBufUtil.hexDump(PASSWORD.getBytes(ISO_8859_1));
            for (ILoggingEvent event : appender.list) {
                String text = event.getFormattedMessage();
                assertFalse(text.contains(PASSWORD) || text.contains(hex),
                        "a log line of " + event.getLoggerName() + " holds the password or its hex dump");
            }
            // Counted rather than logged: its log line may have been held back by the failure-line rate limit.
            assertEquals(List.of("failed"), s.metrics.handshakes, "the handshake did not fail");
        } finally {
            logger.detachAppender(appender);
        }
    }

    @Test
    void afterTheStartTlsHandshakeLoginIsOfferedAndStartTlsIsNot() throws Exception {
        try (Session s = Session.greeted(STARTTLS_REQUIRED); TlsClient tls = new TlsClient()) {
            s.send("a STARTTLS\r\n");
            assertEquals(List.of("a OK Begin TLS negotiation now"), s.lines());
            tls.handshake(s.ch);
            tls.send(s.ch, "b CAPABILITY\r\n");
            assertEquals(List.of("* CAPABILITY " + CAPS_LOGIN, "b OK Capability completed."), tls.lines());
            tls.send(s.ch, "c STARTTLS\r\n");
            assertEquals(List.of("c BAD TLS is already active"), tls.lines());
            tls.send(s.ch, "d LOGIN alice " + PASSWORD + "\r\n");
            assertEquals(List.of(List.of("alice", PASSWORD)), s.gateway.userAndPasswords());
            s.gateway.last().promise().setSuccess(new LoginResult.Rejected(AUTH_FAILED));
            tls.pump(s.ch);
            assertEquals(List.of("d NO " + AUTH_FAILED), tls.lines());
        }
    }

    @Test
    void implicitTlsGreetsOnlyAfterTheHandshake() throws Exception {
        try (Session s = new Session(IMPLICIT, LimitsConfig.DEFAULTS, TimeoutsConfig.DEFAULTS);
             TlsClient tls = new TlsClient()) {
            assertEquals(PipelineNames.TLS, s.ch.pipeline().names().get(0));
            assertEquals(List.of(), s.lines(), "nothing before the handshake");
            tls.handshake(s.ch);
            assertEquals(List.of("* OK [CAPABILITY " + CAPS_LOGIN + "] " + GREETING), tls.lines());
            tls.send(s.ch, "a STARTTLS\r\n");
            assertEquals(List.of("a BAD TLS is already active"), tls.lines());
        }
    }

    @Test
    void startTlsOnAListenerWithoutTlsIsBad() {
        try (Session s = Session.greeted(PLAIN)) {
            s.send("a STARTTLS\r\n");
            assertEquals(List.of("a BAD STARTTLS is not available here"), s.lines());
            assertNull(s.ch.pipeline().get(PipelineNames.TLS));
        }
    }

    @Test
    void startTlsWithArgumentsIsBadAndStaysPlain() {
        try (Session s = Session.greeted(STARTTLS_REQUIRED)) {
            s.send("a STARTTLS now\r\nb NOOP\r\n");
            assertEquals(List.of("a BAD STARTTLS takes no arguments", "b OK NOOP completed."), s.lines());
            assertNull(s.ch.pipeline().get(PipelineNames.TLS));
        }
    }

    // ---------------------------------------------------------------- backend answers

    @Test
    void aBackendNoPassesThroughWithItsCodeAndTheClientMayRetry() {
        try (Session s = Session.greeted(PLAIN)) {
            s.send("a LOGIN alice wrong-password\r\n");
            s.gateway.last().promise().setSuccess(new LoginResult.Rejected("[AUTHENTICATIONFAILED] Invalid credentials (try again)"));
            assertEquals(List.of("a NO [AUTHENTICATIONFAILED] Invalid credentials (try again)"), s.lines());
            assertTrue(s.ch.config().isAutoRead());
            s.send("b LOGIN alice " + PASSWORD + "\r\n");
            assertEquals(List.of(List.of("alice", "wrong-password"), List.of("alice", PASSWORD)),
                    s.gateway.userAndPasswords());
            assertEquals(List.of(1, 2), s.gateway.logins.stream().map(StubGateway.Login::attempt).toList());
            s.gateway.last().promise().setSuccess(new LoginResult.Rejected("[UNAVAILABLE] Try later"));
            assertEquals(List.of("b NO [UNAVAILABLE] Try later"), s.lines());
            assertTrue(s.ch.isActive());
        }
    }

    @Test
    void commandsPipelinedBehindARejectedLoginAreAnsweredAfterItInOrder() {
        try (Session s = Session.greeted(PLAIN)) {
            s.send("a LOGIN alice " + PASSWORD + "\r\nb NOOP\r\nc CAPA");
            s.send("BILITY\r\nd LOGIN bob {3}\r\n");
            assertEquals(List.of(), s.lines(), "nothing is answered while the login runs");
            assertEquals(1, s.gateway.logins.size());
            s.gateway.last().promise().setSuccess(new LoginResult.Rejected(AUTH_FAILED));
            assertEquals(List.of("a NO " + AUTH_FAILED, "b OK NOOP completed.", "* CAPABILITY " + CAPS_LOGIN,
                    "c OK Capability completed.", "+ Ready for literal data"), s.lines());
            s.send("pw1\r\n");
            assertEquals(List.of(List.of("alice", PASSWORD), List.of("bob", "pw1")), s.gateway.userAndPasswords());
        }
    }

    @Test
    void aSecondLoginPipelinedBehindARejectedOneRunsNextAndItsTailWaitsAgain() {
        try (Session s = Session.greeted(PLAIN)) {
            EmbeddedChannel backend = backendOn(s.ch);
            try {
                s.send("a LOGIN alice wrong-password\r\nb LOGIN alice " + PASSWORD + "\r\nc NOOP\r\n");
                assertEquals(1, s.gateway.logins.size());
                s.gateway.last().promise().setSuccess(new LoginResult.Rejected(AUTH_FAILED));
                assertEquals(List.of("a NO " + AUTH_FAILED), s.lines());
                assertEquals(List.of(List.of("alice", "wrong-password"), List.of("alice", PASSWORD)),
                        s.gateway.userAndPasswords());
                assertFalse(s.ch.config().isAutoRead(), "the second login pauses reading again");
                s.gateway.last().promise().setSuccess(new LoginResult.LoggedIn(backend, "b1", List.of("IMAP4rev1")));
                s.ch.runPendingTasks();
                assertEquals(List.of("b OK [CAPABILITY IMAP4rev1] Logged in"), s.lines());
                assertEquals("c NOOP\r\n", outbound(backend));
            } finally {
                s.ch.close();
                backend.finishAndReleaseAll();
            }
        }
    }

    @Test
    void failuresToReachABackendMapToUnavailable() {
        record Case(Throwable cause, String reply) { }
        for (Case c : List.of(
                new Case(new ProxyFailureException(ProxyFailure.CONNECT, "connection refused"),
                        "a NO [UNAVAILABLE] Backend server unavailable, try again later"),
                new Case(new ProxyFailureException(ProxyFailure.TIMEOUT, "no greeting"),
                        "a NO [UNAVAILABLE] Backend server timed out, try again later"),
                new Case(new ProxyFailureException(ProxyFailure.AUTH_TEMPFAIL, "route lookup failed"),
                        "a NO [UNAVAILABLE] Temporary authentication failure, try again later"),
                new Case(new IllegalStateException("bug"), "a NO [SERVERBUG] Internal error, try again later"))) {
            try (Session s = Session.greeted(PLAIN)) {
                s.send("a LOGIN alice " + PASSWORD + "\r\nb NOOP\r\n");
                s.gateway.last().promise().setFailure(c.cause());
                assertEquals(List.of(c.reply(), "b OK NOOP completed."), s.lines(), c.toString());
                assertTrue(s.ch.isActive());
            }
        }
    }

    /**
     * Only a refused login counts toward max_login_attempts: after CONNECT, TLS, PROTOCOL (a backend's BAD to our
     * login), TIMEOUT or AUTH_TEMPFAIL the client keeps its attempt, and the gateway sees the same attempt number.
     */
    @Test
    void aTemporaryFailureKeepsTheAttemptAndOnlyRefusedLoginsCount() {
        List<ProxyFailure> temporary = List.of(ProxyFailure.CONNECT, ProxyFailure.TLS, ProxyFailure.PROTOCOL,
                ProxyFailure.TIMEOUT, ProxyFailure.AUTH_TEMPFAIL);
        try (Session s = Session.greeted(PLAIN, limits(100, 100, 2))) {
            for (ProxyFailure failure : temporary) {
                s.send("t LOGIN alice " + PASSWORD + "\r\n");
                s.gateway.last().promise().setFailure(new ProxyFailureException(failure, "test"));
                assertEquals(List.of("t NO " + failure.clientText()), s.lines(), failure.toString());
                assertTrue(s.ch.isActive(), failure.toString());
            }
            s.send("a LOGIN alice wrong-password\r\n");
            s.gateway.last().promise().setSuccess(new LoginResult.Rejected(AUTH_FAILED));
            s.send("b LOGIN alice " + PASSWORD + "\r\n");
            s.gateway.last().promise().setFailure(new ProxyFailureException(ProxyFailure.TIMEOUT, "test"));
            s.send("c LOGIN alice wrong-password\r\n");
            // No route for the user is a refusal too (the same reply as a wrong password).
            s.gateway.last().promise().setFailure(new ProxyFailureException(ProxyFailure.AUTH_REJECTED, "no route"));
            assertEquals(List.of("a NO " + AUTH_FAILED, "b NO [UNAVAILABLE] Backend server timed out, try again later",
                    "c NO " + AUTH_FAILED, "* BYE Too many failed logins, disconnecting"), s.lines());
            assertFalse(s.ch.isOpen());
            assertEquals(List.of(1, 1, 1, 1, 1, 1, 2, 2), s.gateway.logins.stream().map(StubGateway.Login::attempt).toList());
            assertEquals(List.of("max_login_attempts"), s.metrics.limits);
            assertEquals(List.of("connect", "tls", "protocol", "timeout", "auth_tempfail", "auth_rejected", "timeout",
                    "auth_rejected"), s.metrics.loginOutcomes);
        }
    }

    @Test
    void aSuccessfulLoginIsMeteredAsOk() {
        try (Session s = Session.greeted(PLAIN)) {
            EmbeddedChannel backend = backendOn(s.ch);
            try {
                s.send("a LOGIN alice " + PASSWORD + "\r\n");
                s.gateway.last().promise().setSuccess(new LoginResult.LoggedIn(backend, "b1", List.of("IMAP4rev1")));
                s.ch.runPendingTasks();
                assertEquals(List.of("ok"), s.metrics.loginOutcomes);
            } finally {
                s.ch.close();
                backend.finishAndReleaseAll();
            }
        }
    }

    @Test
    void theThirdFailedLoginClosesWithBye() {
        try (Session s = Session.greeted(PLAIN)) {
            for (String tag : List.of("a", "b", "c")) {
                s.send(tag + " LOGIN alice wrong-password\r\n");
                s.gateway.last().promise().setSuccess(new LoginResult.Rejected(AUTH_FAILED));
            }
            s.send("d NOOP\r\n".getBytes(ISO_8859_1), true);
            assertEquals(List.of("a NO " + AUTH_FAILED, "b NO " + AUTH_FAILED, "c NO " + AUTH_FAILED,
                    "* BYE Too many failed logins, disconnecting"), s.lines());
            assertFalse(s.ch.isOpen());
            assertEquals(3, s.gateway.logins.size());
            assertEquals(List.of("max_login_attempts"), s.metrics.limits);
        }
    }

    @Test
    void unsendableCredentialsAreRefusedWithoutTheGateway() {
        List<String> inputs = List.of(
                "a LOGIN {6+}\r\nal\r\nce " + PASSWORD + "\r\n",
                "a LOGIN {5+}\r\nal\nce " + PASSWORD + "\r\n",
                "a LOGIN {5+}\r\nal\0ce " + PASSWORD + "\r\n",
                "a LOGIN alice {4+}\r\npw\r\n\r\n",
                "a LOGIN alice {3+}\r\np\nw\r\n",
                "a LOGIN alice {3+}\r\np\0w\r\n",
                "a LOGIN \"\" " + PASSWORD + "\r\n",
                "a AUTHENTICATE PLAIN " + plain("", "alice", "pass\r\nword") + "\r\n");
        for (String input : inputs) {
            assertSameEveryWay(PLAIN, input, List.of("a " + INVALID_CHARS), List.of());
        }
    }

    @Test
    void unsendableCredentialsCountAsFailedLogins() {
        try (Session s = Session.greeted(PLAIN, limits(100, 100, 2))) {
            s.send("a LOGIN {3+}\r\na\rb pw\r\nb LOGIN {3+}\r\na\nb pw\r\nc NOOP\r\n");
            assertEquals(List.of("a " + INVALID_CHARS, "b " + INVALID_CHARS,
                    "* BYE Too many failed logins, disconnecting"), s.lines());
            assertFalse(s.ch.isOpen());
            assertEquals(List.of(), s.gateway.logins);
        }
    }

    // ---------------------------------------------------------------- limits

    @Test
    void maxBadCommandsClosesWithBye() {
        try (Session s = Session.greeted(PLAIN, limits(100, 3, 3))) {
            s.send("a FOO\r\nb NOOP\r\nc SELECT INBOX\r\nd \"\r\ne NOOP\r\n");
            assertEquals(List.of("a BAD Unknown command FOO", "b OK NOOP completed.",
                    "c BAD Command not permitted before login", "d BAD Error in IMAP command: Missing command name",
                    "* BYE Too many invalid commands, disconnecting"), s.lines());
            assertFalse(s.ch.isOpen());
            assertEquals(List.of("max_bad_commands"), s.metrics.limits);
        }
    }

    @Test
    void refusedLoginsBeforeTlsCountAsBadCommands() {
        try (Session s = Session.greeted(STARTTLS_REQUIRED, limits(100, 2, 3))) {
            s.send("a LOGIN alice pw\r\nb AUTHENTICATE PLAIN\r\nc NOOP\r\n");
            assertEquals(List.of(
                    "a NO [PRIVACYREQUIRED] Plaintext authentication disallowed, use STARTTLS first",
                    "b NO [PRIVACYREQUIRED] Plaintext authentication disallowed, use STARTTLS first",
                    "* BYE Too many invalid commands, disconnecting"), s.lines());
            assertFalse(s.ch.isOpen());
        }
    }

    @Test
    void maxCommandsClosesWithBye() {
        try (Session s = Session.greeted(PLAIN, limits(3, 10, 3))) {
            s.send("a NOOP\r\nb NOOP\r\nc NOOP\r\nd NOOP\r\ne NOOP\r\n");
            assertEquals(List.of("a OK NOOP completed.", "b OK NOOP completed.", "c OK NOOP completed.",
                    "d NO [LIMIT] Too many commands before login", "* BYE Too many commands, disconnecting"), s.lines());
            assertFalse(s.ch.isOpen());
            assertEquals(List.of("max_commands"), s.metrics.limits);
        }
    }

    @Test
    void aLineTooLongGetsBadByeAndClose() {
        LimitsConfig small = LimitsConfig.DEFAULTS.with(Map.of("max_line_bytes", 64, "max_literal_bytes", 100,
                "max_literals", 2, "max_pipelined_bytes", 256, "max_backend_line_bytes", 1024));
        for (String input : List.of("x".repeat(65) + "\r\n", "x".repeat(200), "a NOOP\r\n" + "x".repeat(200))) {
            for (SplitFeeder.Way way : SplitFeeder.everyWay(input.getBytes(ISO_8859_1))) {
                try (Session s = Session.greeted(PLAIN, small)) {
                    for (byte[] chunk : way.reads()) {
                        if (s.ch.isOpen()) {
                            s.send(chunk);
                        }
                    }
                    List<String> expected = new ArrayList<>();
                    if (input.startsWith("a NOOP")) {
                        expected.add("a OK NOOP completed.");
                    }
                    expected.add("* BAD Line too long (limit 64 octets)");
                    expected.add("* BYE Too much invalid input, disconnecting");
                    assertEquals(expected, s.lines());
                    assertFalse(s.ch.isOpen());
                }
            }
        }
    }

    @Test
    void tooMuchPipelinedBehindALoginClosesAndTheLateBackendIsClosedToo() {
        LimitsConfig small = LimitsConfig.of(Map.of("max_pipelined_bytes", 1024));
        try (Session s = Session.greeted(PLAIN, small)) {
            s.send("a LOGIN alice " + PASSWORD + "\r\n" + "b NOOP\r\n".repeat(128));
            assertEquals(List.of(), s.lines());
            assertTrue(s.ch.isActive(), "exactly max_pipelined_bytes may wait");
            s.send("c");
            assertEquals(List.of("* BAD Too much data sent before login completed",
                    "* BYE Too much invalid input, disconnecting"), s.lines());
            assertFalse(s.ch.isOpen());
            assertTrue(s.gateway.last().promise().isCancelled(), "the login of a gone client is cancelled");
        }
    }

    @Test
    void idleBeforeLoginClosesWithBye() {
        try (Session s = Session.greeted(PLAIN)) {
            s.ch.advanceTimeBy(59, TimeUnit.SECONDS);
            s.ch.runScheduledPendingTasks();
            assertTrue(s.ch.isActive());
            s.ch.advanceTimeBy(2, TimeUnit.SECONDS);
            s.ch.runScheduledPendingTasks();
            assertEquals(List.of("* BYE Idle for too long before login, disconnecting"), s.lines());
            assertFalse(s.ch.isOpen());
        }
    }

    @Test
    void theLoginTimeoutClosesEvenWhileALoginRuns() {
        TimeoutsConfig timeouts = TimeoutsConfig.of(Map.of("pre_auth_idle", "10m", "login", "3m"));
        try (Session s = new Session(PLAIN, LimitsConfig.DEFAULTS, timeouts)) {
            s.lines();
            s.send("a LOGIN alice " + PASSWORD + "\r\n");
            s.ch.advanceTimeBy(2, TimeUnit.MINUTES);
            s.ch.runScheduledPendingTasks();
            assertEquals(List.of(), s.lines());
            s.ch.advanceTimeBy(61, TimeUnit.SECONDS);
            s.ch.runScheduledPendingTasks();
            assertEquals(List.of("* BYE Login timeout, disconnecting"), s.lines());
            assertFalse(s.ch.isOpen());
            assertTrue(s.gateway.last().promise().isCancelled(), "the login of a gone client is cancelled");
            assertFalse(s.gateway.last().promise().trySuccess(new LoginResult.Rejected(AUTH_FAILED)));
            assertEquals(List.of(), s.lines());
        }
    }

    @Test
    void theIdleTimerDoesNotCloseWhileALoginRuns() {
        // A pre-auth deadline past the test: a retry after it would be cut (PreAuthFailureDelayTest).
        try (Session s = new Session(PLAIN, LimitsConfig.DEFAULTS, TimeoutsConfig.of(Map.of("pre_auth", "10m")))) {
            s.lines();
            s.send("a LOGIN alice " + PASSWORD + "\r\n");
            s.ch.advanceTimeBy(90, TimeUnit.SECONDS);
            s.ch.runScheduledPendingTasks();
            assertTrue(s.ch.isActive());
            s.gateway.last().promise().setSuccess(new LoginResult.Rejected(AUTH_FAILED));
            assertEquals(List.of("a NO " + AUTH_FAILED), s.lines());
        }
    }

    /** The gateway stops the attempt where it stands (the backend dialer closes the backend channel on cancel). */
    @Test
    void aLoginInFlightIsCancelledWhenTheClientLeaves() {
        try (Session s = Session.greeted(PLAIN)) {
            s.send("a LOGIN alice " + PASSWORD + "\r\n");
            s.ch.close();
            assertTrue(s.gateway.last().promise().isCancelled());
        }
    }

    // ---------------------------------------------------------------- hand-off

    @Test
    void aLoggedInBackendTakesOverWithEveryPipelinedByteInOrder() {
        try (Session s = Session.greeted(PLAIN)) {
            EmbeddedChannel backend = backendOn(s.ch);
            try {
                s.send("a LOGIN alice " + PASSWORD + "\r\nb SELECT INBOX\r\nc FETCH 1 (BODY[])\r\nd APP");
                s.send("END INBOX {3+}\r\nabc\r\n");
                assertEquals(List.of(), s.lines());
                s.gateway.last().promise().setSuccess(
                        new LoginResult.LoggedIn(backend, "b1", List.of("IMAP4rev1", "IDLE", "LITERAL+")));
                s.ch.runPendingTasks();

                assertEquals(List.of("a OK [CAPABILITY IMAP4rev1 IDLE LITERAL+] Logged in"), s.lines());
                assertEquals("b SELECT INBOX\r\nc FETCH 1 (BODY[])\r\nd APPEND INBOX {3+}\r\nabc\r\n",
                        outbound(backend));

                List<String> front = s.ch.pipeline().names();
                for (String gone : List.of(PipelineNames.PRE_AUTH_IDLE, PipelineNames.CMD_FRAMER,
                        PipelineNames.RESP_ENCODER, PipelineNames.PRE_AUTH)) {
                    assertFalse(front.contains(gone), gone + " left in " + front);
                }
                assertTrue(front.contains(PipelineNames.RELAY), front.toString());
                assertTrue(front.contains(PipelineNames.RELAY_IDLE), front.toString());
                List<String> back = backend.pipeline().names();
                assertTrue(back.contains(PipelineNames.RELAY), back.toString());
                assertFalse(back.contains(PipelineNames.BACKEND_LOGIN), back.toString());
                assertFalse(back.contains(PipelineNames.RESP_FRAMER), back.toString());
                assertTrue(s.ch.config().isAutoRead());
                assertTrue(backend.config().isAutoRead());

                // From now on raw bytes flow both ways, untouched.
                s.send("e IDLE\r\n");
                assertEquals("e IDLE\r\n", outbound(backend));
                backend.writeInbound(backend.alloc().buffer().writeBytes("* 1 EXISTS\r\n".getBytes(ISO_8859_1)));
                assertEquals(List.of("* 1 EXISTS"), s.lines());
                assertEquals(1, s.gateway.logins.size());

                // The pre-auth timers are gone: past the login timeout and the pre-auth idle time nothing closes.
                s.ch.advanceTimeBy(5, TimeUnit.MINUTES);
                s.ch.runScheduledPendingTasks();
                assertTrue(s.ch.isActive());
                assertTrue(backend.isActive());
                assertEquals(List.of(), s.lines());
            } finally {
                s.ch.close();
                backend.finishAndReleaseAll();
            }
        }
    }

    @Test
    void aLoginSplitAtEveryByteHandsOverTheSameBytes() {
        String input = "a LOGIN {5}\r\nalice " + PASSWORD + "\r\nb NOOP\r\nc LOGOUT\r\n";
        for (SplitFeeder.Way way : SplitFeeder.everyWay(input.getBytes(ISO_8859_1))) {
            try (Session s = Session.greeted(PLAIN)) {
                EmbeddedChannel backend = backendOn(s.ch);
                try {
                    int sent = 0;
                    for (byte[] chunk : way.reads()) {
                        s.send(chunk);
                        sent += chunk.length;
                        if (!s.gateway.logins.isEmpty()) {
                            break;
                        }
                    }
                    // The rest arrives while the login runs.
                    byte[] all = input.getBytes(ISO_8859_1);
                    if (sent < all.length) {
                        s.send(Arrays.copyOfRange(all, sent, all.length));
                    }
                    s.gateway.last().promise().setSuccess(new LoginResult.LoggedIn(backend, "b1", List.of("IMAP4rev1")));
                    s.ch.runPendingTasks();
                    assertEquals(List.of("+ Ready for literal data", "a OK [CAPABILITY IMAP4rev1] Logged in"), s.lines());
                    assertEquals("b NOOP\r\nc LOGOUT\r\n", outbound(backend));
                    assertEquals(List.of(List.of("alice", PASSWORD)), s.gateway.userAndPasswords());
                } finally {
                    s.ch.close();
                    backend.finishAndReleaseAll();
                }
            }
        }
    }

    // ================================================================ helpers

    private static LimitsConfig limits(int maxCommands, int maxBadCommands, int maxLoginAttempts) {
        return LimitsConfig.of(Map.of("max_commands", maxCommands, "max_bad_commands", maxBadCommands,
                "max_login_attempts", maxLoginAttempts));
    }

    /**
     * Feeds {@code input} whole, split in two at every byte, and one byte at a time, each on a fresh session, and
     * checks each run gives exactly {@code lines} (after the greeting) and exactly {@code logins} at the gateway.
     */
    private static void assertSameEveryWay(ListenerConfig listener, String input, List<String> lines,
                                           List<List<String>> logins) {
        for (SplitFeeder.Way way : SplitFeeder.everyWay(input)) {
            try (Session s = Session.greeted(listener)) {
                way.reads().forEach(s::send);
                assertEquals(lines, s.lines(), way.name());
                assertEquals(logins, s.gateway.userAndPasswords(), way.name());
                assertTrue(s.ch.isActive(), way.name());
            }
        }
    }

    private static String b64(String text) {
        return Base64.getEncoder().encodeToString(text.getBytes(UTF_8));
    }

    private static String plain(String authzid, String user, String password) {
        return Base64.getEncoder().encodeToString((authzid + "\0" + user + "\0" + password).getBytes(UTF_8));
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    /**
     * A backend channel on the client channel's event loop (as the real connector makes it), AUTO_READ off, with
     * stand-ins for the login-phase handlers the hand-off must remove.
     */
    private static EmbeddedChannel backendOn(EmbeddedChannel front) {
        EmbeddedChannel backend = EmbeddedChannel.builder().register(false).build();
        backend.pipeline().addLast(PipelineNames.RESP_FRAMER, new ChannelInboundHandlerAdapter());
        backend.pipeline().addLast(PipelineNames.BACKEND_LOGIN, new ChannelInboundHandlerAdapter());
        front.eventLoop().register(backend).syncUninterruptibly();
        backend.config().setAutoRead(false);
        assertSame(front.eventLoop(), backend.eventLoop());
        return backend;
    }

    /** Everything written to a channel so far, as one string. */
    private static String outbound(EmbeddedChannel ch) {
        StringBuilder sb = new StringBuilder();
        for (Object msg; (msg = ch.readOutbound()) != null; ) {
            try {
                sb.append(((ByteBuf) msg).toString(ISO_8859_1));
            } finally {
                ReferenceCountUtil.release(msg);
            }
        }
        return sb.toString();
    }

    /** Splits received bytes into CRLF-terminated lines; a partial line waits for the rest. */
    private static final class LineReader {
        private final ByteArrayOutputStream pending = new ByteArrayOutputStream();

        void add(ByteBuf buf) {
            byte[] b = new byte[buf.readableBytes()];
            buf.readBytes(b);
            pending.writeBytes(b);
        }

        List<String> lines() {
            byte[] all = pending.toByteArray();
            List<String> out = new ArrayList<>();
            int start = 0;
            for (int i = 0; i + 1 < all.length; i++) {
                if (all[i] == '\r' && all[i + 1] == '\n') {
                    out.add(new String(all, start, i - start, UTF_8));
                    start = i + 2;
                    i++;
                }
            }
            pending.reset();
            pending.write(all, start, all.length - start);
            return out;
        }
    }

    /** One client connection through the real initializer. */
    static final class Session implements AutoCloseable {
        final StubGateway gateway = new StubGateway();
        final RecordingMetrics metrics = new RecordingMetrics();
        final EmbeddedChannel ch;
        final FrontendSettings settings;
        private final LineReader reader = new LineReader();
        /** Null: the channel's own clock ({@code advanceTimeBy}). */
        private final MockTicker clock;

        Session(ListenerConfig listener) {
            this(listener, LimitsConfig.DEFAULTS, TimeoutsConfig.DEFAULTS);
        }

        Session(ListenerConfig listener, LimitsConfig limits, TimeoutsConfig timeouts) {
            this(listener, limits, timeouts, LoginPenalties.NONE, null);
        }

        /**
         * A session whose failed logins are delayed by {@code penalties} (the others answer at once), on a clock
         * of its own that only {@link #advance} moves, so timers can be checked to the millisecond.
         */
        Session(ListenerConfig listener, LimitsConfig limits, TimeoutsConfig timeouts, LoginPenalties penalties) {
            this(listener, limits, timeouts, penalties, Ticker.newMockTicker());
        }

        private Session(ListenerConfig listener, LimitsConfig limits, TimeoutsConfig timeouts,
                        LoginPenalties penalties, MockTicker clock) {
            settings = new FrontendSettings(listener, limits, timeouts, GREETING,
                    listener.usesTls() ? serverTls : null, gateway, metrics.proxy, penalties);
            FrontendInitializer initializer = new FrontendInitializer(settings, ConnectionGate.unlimited(), c -> { });
            this.clock = clock;
            ch = clock == null ? new EmbeddedChannel(initializer)
                    : EmbeddedChannel.builder().ticker(clock).handlers(initializer).build();
        }

        /** Moves this session's own clock and runs what became due (sessions built with penalties only). */
        void advance(long millis) {
            clock.advance(millis, TimeUnit.MILLISECONDS);
            ch.runScheduledPendingTasks();
            ch.runPendingTasks();
        }

        static Session greeted(ListenerConfig listener) {
            return greeted(listener, LimitsConfig.DEFAULTS);
        }

        /** A session whose greeting has been read and checked. */
        static Session greeted(ListenerConfig listener, LimitsConfig limits) {
            Session s = new Session(listener, limits, TimeoutsConfig.DEFAULTS);
            List<String> greeting = s.lines();
            assertEquals(1, greeting.size(), greeting.toString());
            assertTrue(greeting.get(0).startsWith("* OK [CAPABILITY IMAP4rev1 "), greeting.get(0));
            return s;
        }

        void send(String s) {
            send(s.getBytes(ISO_8859_1));
        }

        void send(byte[] b) {
            ch.writeInbound(ch.alloc().buffer(b.length).writeBytes(b));
        }

        /** Sends unless the channel is already closed (then the bytes would go nowhere anyway). */
        void send(byte[] b, boolean ifOpen) {
            if (!ifOpen || ch.isOpen()) {
                send(b);
            }
        }

        /** Complete lines the client received since the last call, without CRLF. */
        List<String> lines() {
            ch.runPendingTasks();
            for (Object msg; (msg = ch.readOutbound()) != null; ) {
                try {
                    reader.add((ByteBuf) msg);
                } finally {
                    ReferenceCountUtil.release(msg);
                }
            }
            return reader.lines();
        }

        dev.postern.imap.MemoryBudget budget() {
            return settings.preAuthMemory();
        }

        @Override
        public void close() {
            ch.finishAndReleaseAll();
        }
    }

    /** A TLS client on its own EmbeddedChannel; bytes are carried to and from the server channel by hand. */
    private static final class TlsClient implements AutoCloseable {
        final EmbeddedChannel ch;
        final SslHandler ssl;
        private final LineReader reader = new LineReader();

        TlsClient() throws Exception {
            SslContext context = SslContextBuilder.forClient().trustManager(certificate.toFile()).build();
            ch = new EmbeddedChannel();
            ssl = context.newHandler(ch.alloc(), "localhost", 993);
            ch.pipeline().addLast(ssl);
        }

        void handshake(EmbeddedChannel server) {
            pump(server);
            assertTrue(ssl.handshakeFuture().isSuccess(), String.valueOf(ssl.handshakeFuture().cause()));
        }

        void send(EmbeddedChannel server, String text) {
            byte[] b = text.getBytes(ISO_8859_1);
            ch.writeOutbound(ch.alloc().buffer(b.length).writeBytes(b));
            pump(server);
        }

        /** Moves bytes both ways until neither side has anything more to say. */
        void pump(EmbeddedChannel server) {
            for (int round = 0; round < 100; round++) {
                boolean moved = false;
                for (Object m; (m = ch.readOutbound()) != null; ) {
                    moved = true;
                    if (server.isOpen()) {
                        server.writeInbound(m);
                    } else {
                        ReferenceCountUtil.release(m);
                    }
                }
                server.runPendingTasks();
                for (Object m; (m = server.readOutbound()) != null; ) {
                    moved = true;
                    if (ch.isOpen()) {
                        ch.writeInbound(m);
                    } else {
                        ReferenceCountUtil.release(m);
                    }
                }
                if (!moved) {
                    return;
                }
            }
            fail("TLS exchange did not settle");
        }

        List<String> lines() {
            for (Object msg; (msg = ch.readInbound()) != null; ) {
                try {
                    reader.add((ByteBuf) msg);
                } finally {
                    ReferenceCountUtil.release(msg);
                }
            }
            return reader.lines();
        }

        @Override
        public void close() {
            ch.finishAndReleaseAll();
        }
    }

    /** Records the credentials of each login and hands out a promise the test completes. */
    static final class StubGateway implements BackendGateway {
        record Login(String user, String password, SessionContext session, int attempt, EventLoop loop,
                     Promise<LoginResult> promise, byte[] userOctets, Credentials credentials) {
        }

        final List<Login> logins = new ArrayList<>();

        @Override
        public Future<LoginResult> login(SessionContext session, Credentials credentials, int attempt,
                                         EventLoop loop) {
            Promise<LoginResult> promise = loop.newPromise();
            logins.add(new Login(credentials.userName(), new String(credentials.password(), UTF_8), session, attempt,
                    loop, promise, credentials.user(), credentials));
            return promise;
        }

        Login last() {
            assertFalse(logins.isEmpty(), "no login reached the gateway");
            return logins.get(logins.size() - 1);
        }

        List<List<String>> userAndPasswords() {
            return logins.stream().map(l -> List.of(l.user(), l.password())).toList();
        }
    }

    /**
     * Keeps the names of the limits hit and the login outcomes, and ignores every other meter. A JDK proxy rather
     * than a class, so the test keeps compiling as {@link ProxyMetrics} grows.
     */
    static final class RecordingMetrics {
        final List<String> limits = new ArrayList<>();
        final List<String> loginOutcomes = new ArrayList<>();
        final List<String> handshakes = new ArrayList<>();
        final ProxyMetrics proxy = (ProxyMetrics) java.lang.reflect.Proxy.newProxyInstance(
                ProxyMetrics.class.getClassLoader(), new Class<?>[] {ProxyMetrics.class}, (self, method, args) -> {
                    switch (method.getName()) {
                        case "limitHit" -> limits.add((String) args[0]);
                        case "login" -> loginOutcomes.add((String) args[0]);
                        case "tlsHandshake" -> handshakes.add((String) args[1]);
                        case "toString" -> {
                            return "RecordingMetrics" + limits;
                        }
                        case "hashCode" -> {
                            return System.identityHashCode(self);
                        }
                        case "equals" -> {
                            return self == args[0];
                        }
                        default -> { }
                    }
                    return null;
                });
    }
}
