package dev.postern.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.postern.testing.ClientProcess;
import dev.postern.testing.ClientProcess.Result;
import dev.postern.testing.DovecotServer;
import dev.postern.testing.PosternHarness;
import dev.postern.testing.ProxiedDovecot;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Clients that are not ours, run as processes: curl (libcurl's IMAP: AUTHENTICATE PLAIN with SASL-IR, LIST, APPEND
 * by upload, SELECT and UID FETCH) and Python's standard {@code imaplib} ({@code IMAP4_SSL}, {@code IMAP4.starttls}), through both
 * TLS listeners. Credentials reach them through a netrc file or the environment, never the command line, and their
 * output holds no password.
 */
class ExternalClientsIT {
    private static final String SUFFIX = "EXT";
    private static final String BACKEND_CAPABILITY = DovecotServer.CAPABILITY_PREFIX + SUFFIX;
    private static final Duration PROCESS_TIMEOUT = Duration.ofSeconds(40);
    private static final List<String> USERS_PER_LISTENER = List.of("curl-list", "curl-mail", "py-login", "py-plain");

    private static DovecotServer dovecot;
    private static PosternHarness postern;
    private static ProxiedDovecot fixture;

    @TempDir
    static Path tmp;

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

    // ---- curl --------------------------------------------------------------------------------------------------

    /** {@code imaps://} on the implicit-TLS listener; {@code imap://} with {@code --ssl-reqd} (STARTTLS) otherwise. */
    private static List<String> curl(ClientListener listener, String user, String path, String... extra)
            throws IOException {
        Path netrc = Files.createTempFile(tmp, "netrc-", "");
        Files.setPosixFilePermissions(netrc, PosixFilePermissions.fromString("rw-------"));
        Files.writeString(netrc, "machine 127.0.0.1 login " + user + " password " + password(user) + "\n",
                StandardCharsets.US_ASCII);
        List<String> command = new ArrayList<>(List.of("curl", "--silent", "--show-error", "--insecure",
                "--max-time", "20", "--netrc-file", netrc.toString()));
        if (listener == ClientListener.STARTTLS) {
            command.add("--ssl-reqd");
        }
        command.addAll(List.of(extra));
        String scheme = listener == ClientListener.IMPLICIT_TLS ? "imaps" : "imap";
        command.add(scheme + "://127.0.0.1:" + listener.port(postern) + path);
        return command;
    }

    @ParameterizedTest
    @EnumSource(ClientListener.class)
    void curlLogsInWithSaslPlainAndListsTheMailboxes(ClientListener listener) throws Exception {
        Result result = run(curl(listener, user("curl-list", listener), "/"), Map.of());
        assertEquals(0, result.exit(), result::describe);
        assertTrue(result.stdout().lines().anyMatch(l -> l.startsWith("* LIST ") && l.endsWith(" INBOX")),
                result::describe);
    }

    @ParameterizedTest
    @EnumSource(ClientListener.class)
    void curlAppendsAMessageByUploadAndFetchesItBackByUid(ClientListener listener) throws Exception {
        String user = user("curl-mail", listener);
        String marker = "curl through Postern " + listener + " 3b9e1f";
        Path message = tmp.resolve("curl-" + listener + ".eml");
        Files.write(message, TestMessages.small("curl " + listener, marker));

        Result upload = run(curl(listener, user, "/INBOX", "--upload-file", message.toString()), Map.of());
        assertEquals(0, upload.exit(), upload::describe);

        // (curl 7.88 rejects --login-options AUTH=+LOGIN with exit 3: the LOGIN command is left to the others)
        Result fetch = run(curl(listener, user, "/INBOX;UID=1"), Map.of());
        assertEquals(0, fetch.exit(), fetch::describe);
        assertTrue(fetch.stdout().contains("Subject: curl " + listener), fetch::describe);
        assertTrue(fetch.stdout().contains(marker), fetch::describe);
    }

    // ---- Python imaplib ----------------------------------------------------------------------------------------

    /**
     * Logs in (LOGIN or AUTHENTICATE PLAIN through a continuation), checks that the post-login CAPABILITY is the
     * backend's, selects INBOX, appends a message, selects again and prints {@code OK <messages>}. Exits non-zero on
     * any failure; prints nothing else.
     */
    private static final String PYTHON = """
            import imaplib, os, ssl, sys
            env = os.environ
            ctx = ssl.create_default_context()
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE
            host, port = env['POSTERN_HOST'], int(env['POSTERN_PORT'])
            if env['POSTERN_MODE'] == 'implicit':
                m = imaplib.IMAP4_SSL(host, port, ssl_context=ctx, timeout=20)
            else:
                m = imaplib.IMAP4(host, port, timeout=20)
                if 'STARTTLS' not in m.capabilities or 'LOGINDISABLED' not in m.capabilities:
                    sys.exit('unexpected pre-TLS capabilities: %s' % (m.capabilities,))
                m.starttls(ssl_context=ctx)
                if 'STARTTLS' in m.capabilities or 'AUTH=PLAIN' not in m.capabilities:
                    sys.exit('unexpected post-TLS capabilities: %s' % (m.capabilities,))
            user = env['POSTERN_USER']
            if env['POSTERN_AUTH'] == 'plain':
                typ, _ = m.authenticate('PLAIN', lambda _: b'\\0' + user.encode() + b'\\0' + env['POSTERN_PASSWORD'].encode())
            else:
                typ, _ = m.login(user, env['POSTERN_PASSWORD'])
            if typ != 'OK':
                sys.exit('login: %s' % typ)
            typ, caps = m.capability()
            if typ != 'OK' or env['POSTERN_BACKEND_CAPABILITY'] not in caps[0].decode().split():
                sys.exit('post-login capability: %s %s' % (typ, caps))
            typ, data = m.select('INBOX')
            if typ != 'OK':
                sys.exit('select: %s %s' % (typ, data))
            typ, data = m.append('INBOX', None, None, b'Subject: imaplib\\r\\n\\r\\nHello from imaplib.\\r\\n')
            if typ != 'OK':
                sys.exit('append: %s %s' % (typ, data))
            typ, data = m.select('INBOX')
            count = int(data[0])
            typ, _ = m.logout()
            if typ != 'BYE':
                sys.exit('logout: %s' % typ)
            print('OK %d' % count)
            """;

    @ParameterizedTest
    @EnumSource(ClientListener.class)
    void pythonImaplibLogsInWithTheLoginCommand(ClientListener listener) throws Exception {
        Result result = python(listener, user("py-login", listener), "login");
        assertEquals(0, result.exit(), result::describe);
        assertEquals("OK 1", result.stdout().strip(), result::describe);
    }

    @ParameterizedTest
    @EnumSource(ClientListener.class)
    void pythonImaplibLogsInWithAuthenticatePlain(ClientListener listener) throws Exception {
        Result result = python(listener, user("py-plain", listener), "plain");
        assertEquals(0, result.exit(), result::describe);
        assertEquals("OK 1", result.stdout().strip(), result::describe);
    }

    private static Result python(ClientListener listener, String user, String auth) throws Exception {
        Path script = tmp.resolve("imaplib_client.py");
        if (!Files.exists(script)) {
            Files.writeString(script, PYTHON, StandardCharsets.UTF_8);
        }
        return run(List.of("python3", script.toString()), Map.of(
                "POSTERN_HOST", "127.0.0.1",
                "POSTERN_PORT", Integer.toString(listener.port(postern)),
                "POSTERN_MODE", listener == ClientListener.IMPLICIT_TLS ? "implicit" : "starttls",
                "POSTERN_AUTH", auth,
                "POSTERN_USER", user,
                "POSTERN_PASSWORD", password(user),
                "POSTERN_BACKEND_CAPABILITY", BACKEND_CAPABILITY));
    }

    // ---- processes ---------------------------------------------------------------------------------------------

    private static Result run(List<String> command, Map<String, String> environment) throws Exception {
        Result result = ClientProcess.run(tmp, command, environment, PROCESS_TIMEOUT);
        for (String base : USERS_PER_LISTENER) {
            for (ClientListener listener : ClientListener.values()) {
                String secret = password(user(base, listener));
                assertTrue(result.keeps(secret), "a client printed a password");
            }
        }
        return result;
    }
}
