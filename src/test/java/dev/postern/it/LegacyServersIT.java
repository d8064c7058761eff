package dev.postern.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.postern.testing.ClientProcess;
import dev.postern.testing.DovecotServer;
import dev.postern.testing.Ports;
import dev.postern.testing.PosternHarness;
import dev.postern.testing.Quietly;
import dev.postern.testing.RawImapClient;
import dev.postern.testing.TestPki;
import dev.postern.testing.TestSecrets;
import jakarta.mail.Folder;
import jakarta.mail.Message;
import jakarta.mail.Session;
import jakarta.mail.Store;
import jakarta.mail.internet.MimeMessage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Dovecot configured the ways legacy servers behave, each fronted by Postern with TLS enforced towards clients, and
 * real clients (curl, Python's imaplib, Jakarta Mail) through both of Postern's TLS listeners: plaintext only
 * with AUTH=PLAIN and SASL-IR (as the test Dovecot always is), no SASL-IR, LOGINDISABLED until STARTTLS (Postern upgrades the backend connection), and an
 * 8-bit password. (A Dovecot without AUTH=PLAIN also refuses the LOGIN command, so "LOGIN only" needs another
 * server; Postern's LOGIN path is covered byte for byte in BackendLoginHandlerTest.) Each cell logs in, lists,
 * selects, fetches a seeded message with an 8-bit body byte-identical, appends, and logs out. The cells that ran are
 * written to {@code target/interop-matrix.md}.
 */
class LegacyServersIT {
    private static final Duration PROCESS_TIMEOUT = Duration.ofSeconds(40);
    private static final byte[] SEED = ("Subject: seeded\r\nContent-Type: text/plain; charset=utf-8\r\n"
            + "Content-Transfer-Encoding: 8bit\r\n\r\nGr\u00fc\u00dfe aus K\u00f6ln, \u65e5\u672c\u8a9e.\r\n")
            .getBytes(StandardCharsets.UTF_8);
    private static final List<String> CLIENTS = List.of("curl", "imaplib", "jakarta");
    private static final Map<String, String> RESULTS = new TreeMap<>();

    private record Backend(String name, DovecotServer dovecot, PosternHarness postern, String password) {
    }

    private static final Map<String, Backend> BACKENDS = new TreeMap<>();

    @TempDir
    static Path tmp;

    @BeforeAll
    static void start() throws Exception {
        TestPki.Ca ca = TestPki.ca(tmp, "ca", "Postern Legacy Test CA");
        TestPki.Leaf leaf = ca.issue(tmp, "dovecot", List.of("localhost", "127.0.0.1", "127.0.0.2"));
        // Dovecot counts a client on its own address (127.0.0.1 to 127.0.0.1) as secure and never says
        // LOGINDISABLED to it: this backend also listens on 127.0.0.2, where Postern (from 127.0.0.1) is not
        int untrusted = Ports.closedPort();
        String plain = TestSecrets.register("Legacy-pass-81");
        String eightBit = TestSecrets.register("p\u00e4ssw\u00f6rd-\u00df-82");
        add("plaintext, AUTH=PLAIN, SASL-IR", users(plain), null, plain, null, List.of("SASL-IR", "AUTH=PLAIN"),
                List.of("STARTTLS"));
        add("plaintext, no SASL-IR", users(plain).extraConfig(
                "imap_capability = IMAP4rev1 LITERAL+ ID IDLE UIDPLUS " + DovecotServer.CAPABILITY_PREFIX), null,
                plain, null, List.of("AUTH=PLAIN"), List.of("SASL-IR", "STARTTLS"));
        add("LOGINDISABLED until STARTTLS", users(plain).tls(leaf.chainFile(), leaf.keyFile())
                .extraConfig("disable_plaintext_auth = yes\nlogin_trusted_networks =\nservice imap-login {\n"
                        + "  inet_listener imap-untrusted {\n    address = 127.0.0.2\n    port = " + untrusted
                        + "\n  }\n}"), "127.0.0.2:" + untrusted,
                plain, "{mode: starttls, ca: " + ca.certificateFile() + "}", List.of("STARTTLS", "LOGINDISABLED"),
                List.of("AUTH=PLAIN"));
        add("plaintext, 8-bit password", users(eightBit), null, eightBit, null, List.of("AUTH=PLAIN"),
                List.of("STARTTLS"));
    }

    private static DovecotServer.Builder users(String password) {
        DovecotServer.Builder builder = DovecotServer.builder();
        for (String client : CLIENTS) {
            for (ClientListener listener : ClientListener.values()) {
                builder.user(user(client, listener), password);
            }
        }
        return builder;
    }

    private static String user(String client, ClientListener listener) {
        return client + "-" + listener.name().toLowerCase().replace('_', '-');
    }

    /** Starts one backend, checks its greeting has and lacks what its name says, seeds its users, fronts it. */
    private static void add(String name, DovecotServer.Builder builder, String address, String password,
                            String tlsYaml, List<String> has, List<String> lacks) throws Exception {
        DovecotServer dovecot = builder.start();
        String backend = address != null ? address : dovecot.host() + ":" + dovecot.port();
        String[] hostPort = backend.split(":");
        try (RawImapClient c = RawImapClient.plain(hostPort[0], Integer.parseInt(hostPort[1]))) {
            List<String> capabilities = List.of(c.readLine().split("[ \\[\\]]+"));
            assertTrue(capabilities.containsAll(has), name + ": " + capabilities);
            assertTrue(lacks.stream().noneMatch(capabilities::contains), name + ": " + capabilities);
        }
        for (String client : CLIENTS) {
            for (ClientListener listener : ClientListener.values()) {
                seed(dovecot, user(client, listener), password);
            }
        }
        PosternHarness postern = PosternHarness.startWithYaml("pools:\n  main:\n    backends: [\"" + backend
                + "\"]\n" + (tlsYaml == null ? "" : "    tls: " + tlsYaml + "\n") + "routes:\n  default_pool: main\n"
                + "limits: {failure_delay: 0s}\n");
        BACKENDS.put(name, new Backend(name, dovecot, postern, password));
    }

    /** The seeded message, straight into the user's INBOX at Dovecot (its own address: a secure client). */
    private static void seed(DovecotServer dovecot, String user, String password) throws Exception {
        try (RawImapClient c = RawImapClient.plain(dovecot.host(), dovecot.port())) {
            c.readLine();
            byte[] name = user.getBytes(StandardCharsets.UTF_8);
            byte[] secret = password.getBytes(StandardCharsets.UTF_8);
            c.send("l LOGIN {" + name.length + "+}\r\n");
            c.sendBytes(name);
            c.send(" {" + secret.length + "+}\r\n");
            c.sendBytes(secret);
            c.send("\r\n");
            String login = RawImapClient.tagged(c.readUntilTagged("l"));
            assertTrue(login.startsWith("l OK"), login + "\n" + dovecot.logTail());
            c.send("a APPEND INBOX {" + SEED.length + "+}\r\n");
            c.sendBytes(SEED);
            c.send("\r\n");
            assertTrue(RawImapClient.tagged(c.readUntilTagged("a")).startsWith("a OK"));
        }
    }

    @AfterAll
    static void stop() throws Exception {
        BACKENDS.values().forEach(b -> Quietly.closeAll(b.postern(), b.dovecot()));
        String dovecotVersion = ClientProcess.run(tmp, List.of("/usr/sbin/dovecot", "--version"), Map.of(),
                PROCESS_TIMEOUT).stdout().strip();
        StringBuilder md = new StringBuilder("| backend (Dovecot " + dovecotVersion + ") | client | "
                + "listener | result |\n|---|---|---|---|\n");
        RESULTS.forEach((cell, result) -> md.append("| ").append(cell.replace("\t", " | ")).append(" | ")
                .append(result).append(" |\n"));
        Files.writeString(Path.of("target/interop-matrix.md"), md.toString(), StandardCharsets.UTF_8);
    }

    static List<Arguments> cells() {
        List<Arguments> cells = new ArrayList<>();
        for (String backend : List.of("plaintext, AUTH=PLAIN, SASL-IR", "plaintext, no SASL-IR",
                "LOGINDISABLED until STARTTLS", "plaintext, 8-bit password")) {
            for (String client : CLIENTS) {
                for (ClientListener listener : ClientListener.values()) {
                    cells.add(Arguments.of(backend, client, listener));
                }
            }
        }
        return cells;
    }

    @ParameterizedTest(name = "{0} / {1} / {2}")
    @MethodSource("cells")
    void aClientLogsInListsFetchesAppendsAndLogsOut(String backendName, String client, ClientListener listener)
            throws Exception {
        Backend backend = BACKENDS.get(backendName);
        String user = user(client, listener);
        String cell = backendName + "\t" + client + " " + clientVersion(client) + "\t" + listener.name();
        RESULTS.put(cell, "FAIL");
        String fetched = switch (client) {
            case "curl" -> curl(backend, listener, user);
            case "imaplib" -> imaplib(backend, listener, user);
            default -> jakarta(backend, listener, user);
        };
        assertEquals(sha256(SEED), fetched, "the seeded message byte-identical");
        RESULTS.put(cell, "pass");
    }

    private static String clientVersion(String client) {
        return switch (client) {
            case "curl" -> "(" + curlVersion() + ")";
            case "imaplib" -> "(Python " + pythonVersion() + ")";
            default -> "(Angus Mail " + angusVersion() + ")";
        };
    }

    private static String curlVersion() {
        try {
            String[] first = ClientProcess.run(tmp, List.of("curl", "--version"), Map.of(), PROCESS_TIMEOUT)
                    .stdout().split(" ", 3);
            return first[0] + " " + first[1];
        } catch (Exception e) {
            return "curl ?";
        }
    }

    /**
     * curl: LIST (the root URL), the seeded message by UID into a file, an APPEND by upload. Credentials go in a
     * config file, never the command line.
     */
    private static String curl(Backend backend, ClientListener listener, String user) throws Exception {
        Path config = Files.createTempFile(tmp, "curl-", ".conf");
        Files.writeString(config, "user = \"" + user + ":" + backend.password() + "\"\ninsecure\nsilent\n"
                + "show-error\n" + (listener == ClientListener.STARTTLS ? "ssl-reqd\n" : ""), StandardCharsets.UTF_8);
        String base = (listener == ClientListener.IMPLICIT_TLS ? "imaps" : "imap") + "://127.0.0.1:"
                + listener.port(backend.postern()) + "/";
        ClientProcess.Result list = ClientProcess.run(tmp, List.of("curl", "--config", config.toString(), base),
                Map.of(), PROCESS_TIMEOUT);
        assertEquals(0, list.exit(), list::describe);
        assertTrue(list.stdout().contains("INBOX"), list::describe);
        Path fetched = tmp.resolve(user + "-" + Math.abs(backend.name().hashCode()) + ".eml");
        ClientProcess.Result fetch = ClientProcess.run(tmp, List.of("curl", "--config", config.toString(), "-o",
                fetched.toString(), base + "INBOX;UID=1"), Map.of(), PROCESS_TIMEOUT);
        assertEquals(0, fetch.exit(), fetch::describe);
        Path upload = tmp.resolve("curl-append.eml");
        Files.write(upload, "Subject: appended\r\n\r\nby curl\r\n".getBytes(StandardCharsets.US_ASCII));
        ClientProcess.Result append = ClientProcess.run(tmp, List.of("curl", "--config", config.toString(), "-T",
                upload.toString(), base + "INBOX"), Map.of(), PROCESS_TIMEOUT);
        assertEquals(0, append.exit(), append::describe);
        for (ClientProcess.Result r : List.of(list, fetch, append)) {
            assertTrue(r.keeps(backend.password()), "curl printed the password");
        }
        return sha256(Files.readAllBytes(fetched));
    }

    private static String angusVersion() {
        try (var in = Session.class.getClassLoader()
                .getResourceAsStream("META-INF/maven/org.eclipse.angus/angus-mail/pom.properties")) {
            Properties p = new Properties();
            p.load(in);
            return p.getProperty("version");
        } catch (Exception e) {
            return "?";
        }
    }

    private static String pythonVersion;

    private static synchronized String pythonVersion() {
        if (pythonVersion == null) {
            try {
                pythonVersion = ClientProcess.run(tmp, List.of("python3", "-c",
                        "import platform; print(platform.python_version())"), Map.of(), PROCESS_TIMEOUT).stdout()
                        .strip();
            } catch (Exception e) {
                pythonVersion = "?";
            }
        }
        return pythonVersion;
    }

    private static final String PYTHON = """
            import hashlib, imaplib, os, ssl, sys
            env = os.environ
            ctx = ssl.create_default_context()
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE
            if env['MODE'] == 'implicit':
                m = imaplib.IMAP4_SSL('127.0.0.1', int(env['PORT']), ssl_context=ctx)
            else:
                m = imaplib.IMAP4('127.0.0.1', int(env['PORT']))
                m.starttls(ssl_context=ctx)
            m._encoding = 'utf-8'
            typ, _ = m.login(env['IMAP_USER'], env['IMAP_PASSWORD'])
            assert typ == 'OK', typ
            typ, boxes = m.list()
            assert typ == 'OK' and any(b'INBOX' in b for b in boxes), boxes
            typ, _ = m.select('INBOX')
            assert typ == 'OK', typ
            typ, data = m.fetch('1', '(BODY.PEEK[])')
            assert typ == 'OK', typ
            digest = hashlib.sha256(data[0][1]).hexdigest()
            typ, _ = m.append('INBOX', None, None, b'Subject: appended\\r\\n\\r\\nby imaplib\\r\\n')
            assert typ == 'OK', typ
            typ, _ = m.logout()
            print(digest)
            """;

    private static String imaplib(Backend backend, ClientListener listener, String user) throws Exception {
        Path script = tmp.resolve("legacy_imaplib.py");
        if (!Files.exists(script)) {
            Files.writeString(script, PYTHON, StandardCharsets.UTF_8);
        }
        ClientProcess.Result result = ClientProcess.run(tmp, List.of("python3", script.toString()), Map.of(
                "PORT", Integer.toString(listener.port(backend.postern())),
                "MODE", listener == ClientListener.IMPLICIT_TLS ? "implicit" : "starttls",
                "IMAP_USER", user, "IMAP_PASSWORD", backend.password()), PROCESS_TIMEOUT);
        assertTrue(result.keeps(backend.password()), "the client printed the password");
        assertEquals(0, result.exit(), result::describe);
        return result.stdout().strip();
    }

    private static String jakarta(Backend backend, ClientListener listener, String user) throws Exception {
        String protocol = listener == ClientListener.IMPLICIT_TLS ? "imaps" : "imap";
        String p = "mail." + protocol + ".";
        Properties props = new Properties();
        props.setProperty(p + "ssl.trust", "*");
        props.setProperty(p + "ssl.checkserveridentity", "false");
        props.setProperty(p + "timeout", "20000");
        if (listener == ClientListener.STARTTLS) {
            props.setProperty(p + "starttls.enable", "true");
            props.setProperty(p + "starttls.required", "true");
        }
        props.setProperty("mail.mime.allowutf8", "true");
        props.setProperty("mail.debug.auth", "false");
        Store store = Session.getInstance(props).getStore(protocol);
        store.connect("127.0.0.1", listener.port(backend.postern()), user, backend.password());
        try {
            assertTrue(store.getDefaultFolder().list().length > 0, "LIST");
            Folder inbox = store.getFolder("INBOX");
            inbox.open(Folder.READ_WRITE);
            ByteArrayOutputStream raw = new ByteArrayOutputStream();
            inbox.getMessage(1).writeTo(raw);
            MimeMessage appended = new MimeMessage(Session.getInstance(props), new ByteArrayInputStream(
                    "Subject: appended\r\n\r\nby Jakarta Mail\r\n".getBytes(StandardCharsets.US_ASCII)));
            inbox.appendMessages(new Message[] {appended});
            inbox.close(false);
            return sha256(raw.toByteArray());
        } finally {
            store.close();
        }
    }

    private static String sha256(byte[] bytes) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }
}
