package dev.postern.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.postern.it.interop.Cell;
import dev.postern.it.interop.CurlClient;
import dev.postern.it.interop.FetchmailClient;
import dev.postern.it.interop.Fetched;
import dev.postern.it.interop.ImaplibClient;
import dev.postern.it.interop.InteropClient;
import dev.postern.it.interop.JakartaMailClient;
import dev.postern.it.interop.MbsyncClient;
import dev.postern.it.interop.NeomuttClient;
import dev.postern.it.interop.OfflineimapClient;
import dev.postern.it.interop.SClientClient;
import dev.postern.testing.ClientProcess;
import dev.postern.testing.CourierServer;
import dev.postern.testing.CyrusServer;
import dev.postern.testing.DovecotServer;
import dev.postern.testing.ImapBackend;
import dev.postern.testing.Ports;
import dev.postern.testing.PosternHarness;
import dev.postern.testing.Quietly;
import dev.postern.testing.RawImapClient;
import dev.postern.testing.TestPki;
import dev.postern.testing.TestSecrets;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Function;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The interop matrix: legacy IMAP servers as operators run them (Dovecot, Cyrus and Courier in their normal TLS
 * setups and plaintext only; Dovecot also without SASL-IR, with LOGINDISABLED until STARTTLS, with an 8-bit password;
 * Courier plaintext offering only the LOGIN command), each fronted by Postern with TLS enforced towards clients, and
 * real client programs through both of Postern's TLS listeners. Every user starts with an 8-bit message and one with
 * a 5 MiB attachment in INBOX and an 8-bit message in a folder named Grüße (modified UTF-7 on the wire); each cell
 * runs what its client does (see {@link InteropClient#steps}), compares what it fetched byte for byte (line ends as
 * the client's local mailbox keeps them), checks at the server that its APPEND arrived, and that IDLE saw a message
 * delivered behind the client's back. Before a backend's cells, the greeting Postern meets is checked to have and lack
 * what the configuration's name says. The cells that ran are written to {@code target/interop-matrix.md}.
 */
class LegacyServersIT {
    private static final byte[] SEED = message("seeded", "Gr\u00fc\u00dfe aus K\u00f6ln, \u65e5\u672c\u8a9e.");
    private static final byte[] FOLDER_SEED = message("in Gr\u00fc\u00dfe", "Stra\u00dfe, \u00e9t\u00e9, \u00f1.");
    private static final byte[] ATTACHMENT = withAttachment(5 * 1024 * 1024);
    private static final String FOLDER = "Gr\u00fc\u00dfe";
    private static final String FOLDER_UTF7 = "Gr&APwA3w-e";
    private static final List<InteropClient> CLIENTS = List.of(new CurlClient(), new ImaplibClient(),
            new JakartaMailClient(), new SClientClient(), new FetchmailClient(), new MbsyncClient(),
            new OfflineimapClient(), new NeomuttClient());
    private static final Map<String, String[]> RESULTS = new LinkedHashMap<>();

    /**
     * One backend configuration behind its own Postern.
     *
     * @param prefix where personal folders live ("" or "INBOX.")
     * @param direct a connection straight to the server on which the test may log in (seeding, checks)
     */
    private record Backend(String name, String software, ImapBackend server, PosternHarness postern, String password,
                           String prefix, Opener direct) {
    }

    @FunctionalInterface
    private interface Opener {
        RawImapClient open() throws IOException;
    }

    private static final Map<String, Backend> BACKENDS = new LinkedHashMap<>();
    /** Backends that return a seeded message otherwise than it was appended (noted in the matrix). */
    private static final java.util.Set<String> CHANGED_BY_SERVER = new java.util.TreeSet<>();

    @TempDir
    static Path tmp;

    @BeforeAll
    static void start() throws Exception {
        TestPki.Ca ca = TestPki.ca(tmp, "ca", "Postern Legacy Test CA");
        TestPki.Leaf leaf = ca.issue(tmp, "backend", List.of("localhost", "127.0.0.1", "127.0.0.2"));
        String ca1 = ca.certificateFile().toString();
        String plain = TestSecrets.register("Legacy-pass-81");
        String eightBit = TestSecrets.register("p\u00e4ssw\u00f6rd-\u00df-82");
        String dovecot = "Dovecot " + ClientProcess.run(tmp, List.of("/usr/sbin/dovecot", "--version"), Map.of(),
                Duration.ofSeconds(20)).stdout().strip().split(" ")[0];

        DovecotServer normal = dovecotUsers(plain).tls(leaf.chainFile(), leaf.keyFile()).start();
        add("Dovecot: STARTTLS and imaps (Postern: implicit TLS)", dovecot, normal, normal.host() + ":"
                + normal.tlsPort(), "{mode: implicit, ca: " + ca1 + "}", plain, "", plainOpener(normal),
                List.of("AUTH=PLAIN"),
                List.of("LOGINDISABLED"));
        DovecotServer sasl = dovecotUsers(plain).start();
        add("Dovecot: plaintext only, AUTH=PLAIN, SASL-IR", dovecot, sasl, null, null, plain, "", plainOpener(sasl),
                List.of("AUTH=PLAIN", "SASL-IR"),
                List.of("STARTTLS"));
        DovecotServer noSaslIr = dovecotUsers(plain).extraConfig("imap_capability = IMAP4rev1 LITERAL+ ID IDLE "
                + "UIDPLUS NAMESPACE " + DovecotServer.CAPABILITY_PREFIX).start();
        add("Dovecot: plaintext only, no SASL-IR", dovecot, noSaslIr, null, null, plain, "", plainOpener(noSaslIr),
                List.of("AUTH=PLAIN"),
                List.of("SASL-IR", "STARTTLS"));
        // Dovecot counts a client on its own address (127.0.0.1 to 127.0.0.1) as secure and never says
        // LOGINDISABLED to it: this backend also listens on 127.0.0.2, where Postern (from 127.0.0.1) is not
        int untrusted = Ports.closedPort();
        DovecotServer loginDisabled = dovecotUsers(plain).tls(leaf.chainFile(), leaf.keyFile())
                .extraConfig("disable_plaintext_auth = yes\nlogin_trusted_networks =\nservice imap-login {\n"
                        + "  inet_listener imap-untrusted {\n    address = 127.0.0.2\n    port = " + untrusted
                        + "\n  }\n}").start();
        add("Dovecot: LOGINDISABLED until STARTTLS", dovecot, loginDisabled, "127.0.0.2:" + untrusted,
                "{mode: starttls, ca: " + ca1 + "}", plain, "", plainOpener(loginDisabled),
                List.of("STARTTLS", "LOGINDISABLED"),
                List.of("AUTH=PLAIN"));
        DovecotServer eight = dovecotUsers(eightBit).start();
        add("Dovecot: plaintext only, 8-bit password", dovecot, eight, null, null, eightBit, "", plainOpener(eight),
                List.of("AUTH=PLAIN"),
                List.of("STARTTLS"));

        String cyrus = "Cyrus IMAP " + ChrootedVersion.cyrus();
        CyrusServer cyrusTls = users(CyrusServer.builder()::user, plain).tls(leaf.chainFile(), leaf.keyFile())
                .start();
        add("Cyrus: STARTTLS and imaps, no plaintext login (Postern: STARTTLS)", cyrus, cyrusTls, null,
                "{mode: starttls, ca: " + ca1 + "}", plain, "", () -> RawImapClient.tls(cyrusTls.host(),
                        cyrusTls.tlsPort()), List.of("STARTTLS", "LOGINDISABLED"),
                List.of("AUTH=PLAIN"));
        CyrusServer cyrusPlain = users(CyrusServer.builder()::user, plain).start();
        add("Cyrus: plaintext only", cyrus, cyrusPlain, null, null, plain, "", plainOpener(cyrusPlain),
                List.of("AUTH=PLAIN", "SASL-IR"),
                List.of("STARTTLS"));

        String courier = "Courier IMAP " + ChrootedVersion.courier();
        CourierServer courierTls = users(CourierServer.builder()::user, plain).tls(leaf.chainFile(), leaf.keyFile())
                .start();
        add("Courier: STARTTLS (Postern: STARTTLS)", courier, courierTls, null, "{mode: starttls, ca: " + ca1 + "}",
                plain, "INBOX.", plainOpener(courierTls), List.of("STARTTLS"),
                List.of("AUTH=PLAIN", "LOGINDISABLED"));
        CourierServer courierPlain = users(CourierServer.builder()::user, plain).start();
        add("Courier: plaintext only, LOGIN command only (no AUTH=)", courier, courierPlain, null, null, plain,
                "INBOX.", plainOpener(courierPlain), List.of("IMAP4rev1"),
                List.of("AUTH=PLAIN", "AUTH=LOGIN", "STARTTLS"));
    }

    /** Package versions of the chrooted servers, read once. */
    private static final class ChrootedVersion {
        static String cyrus() {
            return dev.postern.testing.ChrootedServer.packageVersion(dev.postern.testing.ChrootedServer.root(
                    "cyrus"), "cyrus-imapd");
        }

        static String courier() {
            return dev.postern.testing.ChrootedServer.packageVersion(dev.postern.testing.ChrootedServer.root(
                    "courier"), "courier-imap");
        }
    }

    private static Opener plainOpener(ImapBackend server) {
        return () -> RawImapClient.plain(server.host(), server.port());
    }

    private static DovecotServer.Builder dovecotUsers(String password) {
        return users(DovecotServer.builder()::user, password);
    }

    /** Adds one user per client and listener to any server's builder. */
    private static <B> B users(UserAdder<B> builder, String password) {
        B last = null;
        for (InteropClient client : CLIENTS) {
            for (ClientListener listener : ClientListener.values()) {
                last = builder.user(user(client, listener), password);
            }
        }
        return last;
    }

    @FunctionalInterface
    private interface UserAdder<B> {
        B user(String name, String password);
    }

    private static String user(InteropClient client, ClientListener listener) {
        return listener.user(client.name());
    }

    /** Fronts a started server with its own Postern (TLS enforced towards clients, as always). */
    private static void add(String name, String software, ImapBackend server, String address, String tlsYaml,
                            String password, String prefix, Opener direct, List<String> has, List<String> lacks)
            throws IOException {
        String backend = address != null ? address : server.host() + ":" + server.port();
        // the greeting Postern meets has and lacks what the configuration's name says
        String[] hostPort = backend.split(":");
        try (RawImapClient c = tlsYaml != null && tlsYaml.contains("implicit")
                ? RawImapClient.tls(hostPort[0], Integer.parseInt(hostPort[1]))
                : RawImapClient.plain(hostPort[0], Integer.parseInt(hostPort[1]))) {
            List<String> capabilities = List.of(c.readLine().split("[ \\[\\]]+"));
            assertTrue(capabilities.containsAll(has), name + ": " + capabilities);
            assertTrue(lacks.stream().noneMatch(capabilities::contains), name + ": " + capabilities);
        }
        PosternHarness postern = PosternHarness.startWithYaml("pools:\n  main:\n    backends: [\"" + backend
                + "\"]\n" + (tlsYaml == null ? "" : "    tls: " + tlsYaml + "\n") + "routes:\n  default_pool: main\n"
                + "limits: {failure_delay: 0s}\n");
        BACKENDS.put(name, new Backend(name, software, server, postern, password, prefix, direct));
    }

    @AfterAll
    static void stop() throws Exception {
        BACKENDS.values().forEach(b -> Quietly.closeAll(b.postern(), b.server()));
        StringBuilder md = new StringBuilder("Programs: ");
        md.append(String.join(", ", CLIENTS.stream().map(InteropClient::version).toList())).append(".\n\n")
                .append("| backend configuration | server | client | implicit TLS | STARTTLS |\n")
                .append("|---|---|---|---|---|\n");
        RESULTS.forEach((row, results) -> md.append("| ").append(row.replace("\t", " | ")).append(" | ")
                .append(results[0] == null ? "not run" : results[0]).append(" | ")
                .append(results[1] == null ? "not run" : results[1]).append(" |\n"));
        CHANGED_BY_SERVER.forEach(note -> md.append("\n").append(note).append("; the clients get exactly what it "
                + "returns.\n"));
        md.append("\nWhat each client does in a cell:\n\n");
        CLIENTS.forEach(c -> md.append("- ").append(c.name()).append(": ").append(c.steps()).append('\n'));
        Files.writeString(Path.of("target/interop-matrix.md"), md.toString(), StandardCharsets.UTF_8);
    }

    /**
     * Every backend x client x listener; {@code -Dinterop.only=<text>[;<text>...]} keeps the cells whose backend or
     * client name contains each text (to rerun a part while working on it).
     */
    static List<Arguments> cells() {
        List<String> only = List.of(System.getProperty("interop.only", "").split(";"));
        List<Arguments> cells = new ArrayList<>();
        for (String backend : List.of("Dovecot: STARTTLS and imaps (Postern: implicit TLS)",
                "Dovecot: plaintext only, AUTH=PLAIN, SASL-IR", "Dovecot: plaintext only, no SASL-IR",
                "Dovecot: LOGINDISABLED until STARTTLS", "Dovecot: plaintext only, 8-bit password",
                "Cyrus: STARTTLS and imaps, no plaintext login (Postern: STARTTLS)", "Cyrus: plaintext only",
                "Courier: STARTTLS (Postern: STARTTLS)", "Courier: plaintext only, LOGIN command only (no AUTH=)")) {
            for (InteropClient client : CLIENTS) {
                for (ClientListener listener : ClientListener.values()) {
                    if (only.stream().allMatch(o -> backend.contains(o) || client.name().contains(o))) {
                        cells.add(Arguments.of(backend, client.name(), listener));
                    }
                }
            }
        }
        return cells;
    }

    @ParameterizedTest(name = "{0} / {1} / {2}")
    @MethodSource("cells")
    void aRealClientWorksThroughPostern(String backendName, String clientName, ClientListener listener)
            throws Exception {
        Backend backend = BACKENDS.get(backendName);
        InteropClient client = CLIENTS.stream().filter(c -> c.name().equals(clientName)).findFirst().orElseThrow();
        String[] row = RESULTS.computeIfAbsent(backendName + "\t" + backend.software() + "\t" + client.version(),
                k -> new String[2]);
        row[listener.ordinal()] = "FAIL";
        String user = user(client, listener);
        String folder = backend.prefix() + FOLDER;
        String folderUtf7 = backend.prefix() + FOLDER_UTF7;
        seed(backend, user, folderUtf7);
        Path work = Files.createTempDirectory(tmp, client.name() + "-");
        String subject = "appended by " + client.name() + " " + listener.name().toLowerCase();
        Cell cell = new Cell(listener.port(backend.postern()), listener == ClientListener.IMPLICIT_TLS, user,
                backend.password(), backend.postern().directory().resolve("test.crt"), work, folder, folderUtf7,
                subject, () -> append(backend, user, "INBOX", message(Cell.PROBE_SUBJECT, "delivered meanwhile")));

        Fetched fetched = client.run(cell);

        // "byte-identical" means as the server itself returns them (a server may store a message otherwise
        // than it was appended), in the line ends the client keeps
        Function<byte[], String> digest = fetched.lineFeedsOnly() ? m -> sha256(lf(m)) : LegacyServersIT::sha256;
        assertEquals(sorted(direct(backend, user, folderUtf7).stream().map(digest).toList()),
                sorted(fetched.messages().stream().map(digest).toList()),
                "the seeded messages (8-bit, 5 MiB attachment, in " + FOLDER + ") byte for byte");
        if (client.appends()) {
            assertTrue(search(backend, user, folderUtf7, subject), "the appended message is in " + folder);
        }
        if (client.idles()) {
            assertTrue(fetched.idled(), "IDLE saw the message delivered meanwhile");
        } else {
            assertFalse(fetched.idled());
        }
        row[listener.ordinal()] = "pass";
    }

    private static List<String> sorted(List<String> digests) {
        return digests.stream().sorted().toList();
    }

    // ---- the backend, directly -----------------------------------------------------------------------------------

    /** Logs in at the server itself (literals: the 8-bit password goes as bytes), or fails with its answer. */
    private static RawImapClient login(Backend backend, String user) throws Exception {
        RawImapClient c = backend.direct().open().timeout(Duration.ofSeconds(30));
        c.readLine();
        byte[] name = user.getBytes(StandardCharsets.UTF_8);
        byte[] secret = backend.password().getBytes(StandardCharsets.UTF_8);
        c.send("l LOGIN {" + name.length + "}\r\n");
        c.readLine();
        c.sendBytes(name);
        c.send(" {" + secret.length + "}\r\n");
        c.readLine();
        c.sendBytes(secret);
        c.send("\r\n");
        String login = RawImapClient.tagged(c.readUntilTagged("l"));
        assertTrue(login.startsWith("l OK"), login + "\n" + backend.server().logTail());
        return c;
    }

    /** The user's folder and three messages, fresh for every cell (a rerun finds them there and adds nothing). */
    private static void seed(Backend backend, String user, String folderUtf7) throws Exception {
        try (RawImapClient c = login(backend, user)) {
            List<String> status = c.command("s", "STATUS INBOX (MESSAGES)");
            if (status.stream().anyMatch(l -> l.contains("MESSAGES 0"))) {
                appendOn(c, "INBOX", SEED);
                appendOn(c, "INBOX", ATTACHMENT);
                assertTrue(RawImapClient.tagged(c.command("c", "CREATE \"" + folderUtf7 + "\"")).startsWith("c OK"));
                appendOn(c, "\"" + folderUtf7 + "\"", FOLDER_SEED);
            }
        }
    }

    /** The three seeded messages as the server returns them to a client of its own. */
    private static List<byte[]> direct(Backend backend, String user, String folderUtf7) throws Exception {
        try (RawImapClient c = login(backend, user)) {
            List<byte[]> messages = new ArrayList<>();
            for (String mailbox : List.of("INBOX", "\"" + folderUtf7 + "\"")) {
                assertTrue(RawImapClient.tagged(c.command("x", "EXAMINE " + mailbox)).startsWith("x OK"));
                for (int uid = 1; uid <= (mailbox.equals("INBOX") ? 2 : 1); uid++) {
                    c.send("f UID FETCH " + uid + " BODY.PEEK[]\r\n");
                    String line = c.readLine();
                    java.util.regex.Matcher m = java.util.regex.Pattern.compile("\\{(\\d+)}$").matcher(line);
                    assertTrue(m.find(), line);
                    messages.add(c.readBytes(Integer.parseInt(m.group(1))));
                    assertTrue(RawImapClient.tagged(c.readUntilTagged("f")).startsWith("f OK"));
                }
            }
            Map.of(SEED, "8-bit body", ATTACHMENT, "5 MiB attachment", FOLDER_SEED, "8-bit Subject header")
                    .forEach((seeded, what) -> {
                        if (messages.stream().noneMatch(m -> java.util.Arrays.equals(m, seeded))) {
                            CHANGED_BY_SERVER.add(backend.name() + ": the server itself returns the message with the "
                                    + what + " otherwise than it was appended");
                        }
                    });
            return messages;
        }
    }

    private static void append(Backend backend, String user, String mailbox, byte[] message) throws Exception {
        try (RawImapClient c = login(backend, user)) {
            appendOn(c, mailbox, message);
        }
    }

    private static void appendOn(RawImapClient c, String mailbox, byte[] message) throws IOException {
        c.send("a APPEND " + mailbox + " {" + message.length + "}\r\n");
        String go = c.readLine();
        assertTrue(go.startsWith("+"), go);
        c.sendBytes(message);
        c.send("\r\n");
        String done = RawImapClient.tagged(c.readUntilTagged("a"));
        assertTrue(done.startsWith("a OK"), done);
    }

    private static boolean search(Backend backend, String user, String folderUtf7, String subject) throws Exception {
        try (RawImapClient c = login(backend, user)) {
            assertTrue(RawImapClient.tagged(c.command("x", "EXAMINE \"" + folderUtf7 + "\"")).startsWith("x OK"));
            return c.command("f", "UID SEARCH HEADER Subject \"" + subject + "\"").stream()
                    .anyMatch(l -> l.matches("\\* SEARCH( \\d+)+"));
        }
    }

    // ---- messages ------------------------------------------------------------------------------------------------

    private static byte[] message(String subject, String body) {
        return ("From: Postern IT <it@postern.test>\r\nTo: Postern IT <it@postern.test>\r\nSubject: " + subject
                + "\r\nDate: Sat, 21 Nov 2026 12:00:00 +0000\r\nMIME-Version: 1.0\r\n"
                + "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n" + body
                + "\r\n").getBytes(StandardCharsets.UTF_8);
    }

    /** A multipart message: an 8-bit text part and an attachment of {@code size} pseudo-random bytes in base64. */
    private static byte[] withAttachment(int size) {
        byte[] data = new byte[size];
        new Random(20261204L).nextBytes(data);
        ByteArrayOutputStream out = new ByteArrayOutputStream(size * 14 / 10);
        out.writeBytes(("From: Postern IT <it@postern.test>\r\nTo: Postern IT <it@postern.test>\r\n"
                + "Subject: attachment\r\nDate: Sat, 21 Nov 2026 12:00:00 +0000\r\nMIME-Version: 1.0\r\n"
                + "Content-Type: multipart/mixed; boundary=\"=-postern-interop\"\r\n\r\n--=-postern-interop\r\n"
                + "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
                + "Anbei die Datei \u2014 f\u00fcnf MiB.\r\n\r\n--=-postern-interop\r\n"
                + "Content-Type: application/octet-stream; name=\"data.bin\"\r\n"
                + "Content-Disposition: attachment; filename=\"data.bin\"\r\n"
                + "Content-Transfer-Encoding: base64\r\n\r\n").getBytes(StandardCharsets.UTF_8));
        out.writeBytes(Base64.getMimeEncoder().encode(data));
        out.writeBytes("\r\n--=-postern-interop--\r\n".getBytes(StandardCharsets.US_ASCII));
        return out.toByteArray();
    }

    private static byte[] lf(byte[] crlf) {
        return new String(crlf, StandardCharsets.ISO_8859_1).replace("\r\n", "\n")
                .getBytes(StandardCharsets.ISO_8859_1);
    }

    private static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
