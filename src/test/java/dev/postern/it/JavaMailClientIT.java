package dev.postern.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.postern.testing.DovecotServer;
import dev.postern.testing.PosternHarness;
import dev.postern.testing.ProxiedDovecot;
import dev.postern.testing.TestSecrets;
import jakarta.mail.AuthenticationFailedException;
import jakarta.mail.Folder;
import jakarta.mail.Message;
import jakarta.mail.MessagingException;
import jakarta.mail.Session;
import jakarta.mail.internet.MimeMessage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import java.util.regex.Pattern;
import org.eclipse.angus.mail.imap.AppendUID;
import org.eclipse.angus.mail.imap.IMAPFolder;
import org.eclipse.angus.mail.imap.IMAPMessage;
import org.eclipse.angus.mail.imap.IMAPStore;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Jakarta Mail (Angus Mail), a real and strict Java IMAP client, through both of Postern's TLS listeners to a real
 * Dovecot: both login forms (AUTHENTICATE PLAIN and the LOGIN command), folder listing and creation, SELECT, and a
 * 5 MiB APPEND fetched back byte for byte.
 */
class JavaMailClientIT {
    private static final String SUFFIX = "JM";
    private static final String BACKEND_CAPABILITY = DovecotServer.CAPABILITY_PREFIX + SUFFIX;
    private static final String TIMEOUT_MILLIS = "30000";
    /** A wrong password: still a secret that must never reach a log line. */
    private static final String WRONG_PASSWORD = TestSecrets.register("Wrong-it-0c1d2e");
    /** A STARTTLS command in Jakarta Mail's protocol trace (its tags are a letter per connection and a number). */
    private static final Pattern STARTTLS_COMMAND = Pattern.compile("(?m)^[A-Z]+\\d+ STARTTLS\\r?$");
    private static final List<String> USERS_PER_LISTENER = List.of("jm-plain", "jm-login", "jm-big", "jm-wrong");

    private static DovecotServer dovecot;
    private static PosternHarness postern;
    private static ProxiedDovecot fixture;

    @BeforeAll
    static void start() {
        DovecotServer.Builder builder = DovecotServer.builder().capabilitySuffix(SUFFIX);
        for (String base : USERS_PER_LISTENER) {
            for (ClientListener listener : ClientListener.values()) {
                builder.user(user(base, listener), password(user(base, listener)));
            }
        }
        fixture = ProxiedDovecot.start(builder);
        dovecot = fixture.dovecot();
        postern = fixture.postern();
    }

    @AfterAll
    static void stop() {
        if (fixture != null) {
            fixture.close();
        }
    }

    private static String user(String base, ClientListener listener) {
        return listener.user(base);
    }

    private static String password(String user) {
        return ClientListener.password(user);
    }

    /** The JavaMail protocol name: {@code imaps} for implicit TLS, {@code imap} with STARTTLS required. */
    private static String protocol(ClientListener listener) {
        return listener == ClientListener.IMPLICIT_TLS ? "imaps" : "imap";
    }

    private static Properties properties(ClientListener listener) {
        String p = "mail." + protocol(listener) + ".";
        Properties props = new Properties();
        props.setProperty(p + "host", "127.0.0.1");
        props.setProperty(p + "port", Integer.toString(listener.port(postern)));
        props.setProperty(p + "connectiontimeout", TIMEOUT_MILLIS);
        props.setProperty(p + "timeout", TIMEOUT_MILLIS);
        props.setProperty(p + "writetimeout", TIMEOUT_MILLIS);
        props.setProperty(p + "ssl.trust", "*");
        props.setProperty(p + "ssl.checkserveridentity", "false");
        if (listener == ClientListener.STARTTLS) {
            props.setProperty(p + "starttls.enable", "true");
            props.setProperty(p + "starttls.required", "true");
        }
        // never trace a login, even when a debug stream is attached (Jakarta Mail's default, made explicit)
        props.setProperty("mail.debug.auth", "false");
        return props;
    }

    /**
     * A session whose protocol trace goes to {@code trace} (logins suppressed by Jakarta Mail itself), never to
     * stdout: the trace tells which login command was used.
     */
    private static Session tracedSession(Properties props, ByteArrayOutputStream trace) {
        Session session = Session.getInstance(props);
        session.setDebugOut(new PrintStream(trace, true, StandardCharsets.UTF_8));
        session.setDebug(true);
        return session;
    }

    private static IMAPStore connect(Session session, ClientListener listener, String user) throws MessagingException {
        IMAPStore store = (IMAPStore) session.getStore(protocol(listener));
        store.connect(user, password(user));
        return store;
    }

    private static void assertBackendCapabilities(IMAPStore store) throws MessagingException {
        // Jakarta Mail takes the capabilities from the login's tagged OK: they must be Dovecot's post-login ones
        assertTrue(store.hasCapability(BACKEND_CAPABILITY), "backend capability missing after login");
        assertTrue(store.hasCapability("IDLE"));
        assertTrue(store.hasCapability("UIDPLUS"));
        assertFalse(store.hasCapability("LOGINDISABLED"));
        assertFalse(store.hasCapability("STARTTLS"));
    }

    @ParameterizedTest
    @EnumSource(ClientListener.class)
    void authenticatePlainLogsInListsAndCreatesFoldersAndOpensTheInbox(ClientListener listener) throws Exception {
        String user = user("jm-plain", listener);
        Properties props = properties(listener);
        props.setProperty("mail." + protocol(listener) + ".auth.mechanisms", "PLAIN");
        ByteArrayOutputStream trace = new ByteArrayOutputStream();
        IMAPStore store = connect(tracedSession(props, trace), listener, user);
        try {
            String protocolTrace = trace.toString(StandardCharsets.UTF_8);
            assertFalse(protocolTrace.contains(password(user)), "the password reached the protocol trace");
            assertTrue(protocolTrace.contains("AUTHENTICATE PLAIN command trace suppressed"),
                    "Jakarta Mail did not log in with AUTHENTICATE PLAIN");
            assertFalse(protocolTrace.contains("LOGIN command trace suppressed"));
            boolean sentStartTls = STARTTLS_COMMAND.matcher(protocolTrace).find();
            assertEquals(listener == ClientListener.STARTTLS, sentStartTls, "STARTTLS command sent");
            assertBackendCapabilities(store);

            Folder created = store.getFolder("Archive-" + listener.name());
            assertTrue(created.create(Folder.HOLDS_MESSAGES), "CREATE failed");
            List<String> names = Arrays.stream(store.getDefaultFolder().list("*")).map(Folder::getFullName).toList();
            assertTrue(names.contains("INBOX"), names::toString);
            assertTrue(names.contains("Archive-" + listener.name()), names::toString);

            Folder inbox = store.getFolder("INBOX");
            inbox.open(Folder.READ_WRITE);
            assertEquals(Folder.READ_WRITE, inbox.getMode());
            assertEquals(0, inbox.getMessageCount());
            inbox.close(false);
        } finally {
            store.close();
        }
        assertFalse(store.isConnected());
    }

    @ParameterizedTest
    @EnumSource(ClientListener.class)
    void theLoginCommandLogsInWhenSaslPlainIsDisabled(ClientListener listener) throws Exception {
        String user = user("jm-login", listener);
        Properties props = properties(listener);
        props.setProperty("mail." + protocol(listener) + ".auth.plain.disable", "true");
        ByteArrayOutputStream trace = new ByteArrayOutputStream();
        IMAPStore store = connect(tracedSession(props, trace), listener, user);
        try {
            String protocolTrace = trace.toString(StandardCharsets.UTF_8);
            assertFalse(protocolTrace.contains(password(user)), "the password reached the protocol trace");
            assertTrue(protocolTrace.contains("LOGIN command trace suppressed"),
                    "Jakarta Mail did not log in with the LOGIN command");
            assertFalse(protocolTrace.contains("AUTHENTICATE PLAIN command trace suppressed"));
            assertBackendCapabilities(store);
            Folder inbox = store.getFolder("INBOX");
            inbox.open(Folder.READ_ONLY);
            assertTrue(inbox.isOpen());
            inbox.close(false);
        } finally {
            store.close();
        }
    }

    @ParameterizedTest
    @EnumSource(ClientListener.class)
    void aWrongPasswordFailsTheLoginAndTheRightOneThenWorks(ClientListener listener) throws Exception {
        String user = user("jm-wrong", listener);
        Session session = Session.getInstance(properties(listener));
        IMAPStore refused = (IMAPStore) session.getStore(protocol(listener));
        assertThrows(AuthenticationFailedException.class, () -> refused.connect(user, WRONG_PASSWORD));
        assertFalse(refused.isConnected());
        IMAPStore store = connect(session, listener, user);
        try {
            assertBackendCapabilities(store);
        } finally {
            store.close();
        }
    }

    @ParameterizedTest
    @EnumSource(ClientListener.class)
    void aFiveMebibyteMessageIsAppendedAndReadBackByteForByte(ClientListener listener) throws Exception {
        String user = user("jm-big", listener);
        String subject = "Jakarta Mail 5 MiB over " + listener;
        byte[] raw = TestMessages.large(subject, TestMessages.FIVE_MIB, 0xC0FFEEL + listener.ordinal());
        Session session = Session.getInstance(properties(listener));
        IMAPStore store = connect(session, listener, user);
        try {
            IMAPFolder inbox = (IMAPFolder) store.getFolder("INBOX");
            inbox.open(Folder.READ_WRITE);
            // parsed from the exact bytes: an unmodified MimeMessage writes its original headers and body back
            MimeMessage message = new MimeMessage(session, new ByteArrayInputStream(raw));
            AppendUID[] appended = inbox.appendUIDMessages(new Message[] {message});
            assertEquals(1, appended.length);
            assertNotNull(appended[0], "no APPENDUID from the backend");

            IMAPMessage stored = (IMAPMessage) inbox.getMessageByUID(appended[0].uid);
            assertNotNull(stored, "appended message not found by its UID");
            assertEquals(subject, stored.getSubject());
            assertEquals(raw.length, stored.getSize(), "RFC822.SIZE differs from the appended size");
            ByteArrayOutputStream fetched = new ByteArrayOutputStream(raw.length);
            stored.writeTo(fetched);
            byte[] back = fetched.toByteArray();
            assertEquals(raw.length, back.length);
            assertArrayEquals(raw, back, "the message came back changed");
            inbox.close(false);
        } finally {
            store.close();
        }
    }

    /** Pins the premise of the byte-for-byte check: Jakarta Mail writes the parsed message back unchanged. */
    @Test
    void theTestMessageSurvivesJakartaMailsOwnParseAndWrite() throws Exception {
        byte[] raw = TestMessages.large("premise", 4096, 7L);
        MimeMessage message = new MimeMessage(Session.getInstance(new Properties()), new ByteArrayInputStream(raw));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        message.writeTo(out);
        assertArrayEquals(raw, out.toByteArray());
    }
}
