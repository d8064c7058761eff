package dev.postern.testing;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;
import org.awaitility.core.ConditionTimeoutException;

/**
 * A real Dovecot IMAP server (Debian package {@code dovecot-imapd}, 2.3) run as a private instance for one test
 * class or test: its own config file, {@code base_dir}, {@code state_dir}, {@code instance_name}, maildirs and log
 * file under a fresh temporary directory, listening on a free port of 127.0.0.1 only. The system Dovecot service, if
 * any, is neither used nor touched. Independent of JUnit.
 *
 * <pre>{@code
 * try (DovecotServer dovecot = DovecotServer.builder()
 *         .user("alice", "secret-alice-1")
 *         .capabilitySuffix("A")
 *         .start()) {
 *     RawImapClient client = RawImapClient.plain(dovecot.host(), dovecot.port());
 *     ...
 * }
 * }</pre>
 *
 * <p>Needs root (Dovecot's master drops privileges itself) and creates the unprivileged system user
 * {@value #MAIL_USER} that owns the maildirs when it is missing. The instance accepts plaintext {@code LOGIN} (no TLS
 * by default), trusts 127.0.0.0/8, has no per-IP auth penalty and {@code auth_failure_delay = 0} (a failed login
 * still takes up to 0.5 s: Dovecot flushes failures on a 500 ms timer), and adds {@code XPOSTERNTEST<suffix>} to its
 * CAPABILITY lists (pre- and post-login) so tests can tell backends apart. Dovecot's default
 * {@code auth_username_format = %Lu} stays: login names are matched in lower case.
 */
public final class DovecotServer implements ImapBackend {

    /** The unprivileged system user that owns every instance's maildirs. */
    public static final String MAIL_USER = "postern-mail";

    /** The capability every instance adds; {@link #capability()} appends the configured suffix. */
    public static final String CAPABILITY_PREFIX = "XPOSTERNTEST";

    private static final Path DOVECOT = Path.of("/usr/sbin/dovecot");
    private static final Path DH_PARAMS = Path.of("/usr/share/dovecot/dh.pem");
    private static final String HOST = "127.0.0.1";
    private static final Duration START_TIMEOUT = Duration.ofSeconds(15);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(10);
    private static final Duration POLL_INTERVAL = Duration.ofMillis(25);
    private static final int START_ATTEMPTS = 3;
    private static final int LOG_TAIL_LINES = 40;
    /** Unix socket paths are capped at 108 bytes; Dovecot's longest name under base_dir is about 30. */
    private static final int MAX_BASE_DIR_LENGTH = 70;
    private static final Pattern ATOM_SUFFIX = Pattern.compile("[A-Za-z0-9_-]*");
    private static final AtomicInteger INSTANCES = new AtomicInteger();

    private final Path directory;
    private final Path configFile;
    private final Path logFile;
    private final Path stderrFile;
    private final String capability;
    private final String greeting;
    private final int port;
    private final int tlsPort;
    private final Thread shutdownHook;
    private Process process;
    private boolean closed;

    private DovecotServer(Path directory, String instanceName, String capability, int port, int tlsPort) {
        this.directory = directory;
        this.greeting = greeting(instanceName);
        this.configFile = directory.resolve("dovecot.conf");
        this.logFile = directory.resolve("dovecot.log");
        this.stderrFile = directory.resolve("dovecot.stderr");
        this.capability = capability;
        this.port = port;
        this.tlsPort = tlsPort;
        this.shutdownHook = new Thread(this::killOnJvmExit, "dovecot-shutdown-" + directory.getFileName());
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Always {@code 127.0.0.1}. */
    public String host() {
        return HOST;
    }

    /** The plain IMAP port (offers STARTTLS when {@link Builder#tls TLS} is configured). */
    public int port() {
        return port;
    }

    /** The implicit-TLS (IMAPS) port; only when the builder configured {@link Builder#tls TLS}. */
    public int tlsPort() {
        if (tlsPort <= 0) {
            throw new IllegalStateException("this Dovecot instance was built without tls(...)");
        }
        return tlsPort;
    }

    /** The capability this instance adds to its CAPABILITY lists: {@code XPOSTERNTEST<suffix>}. */
    public String capability() {
        return capability;
    }

    /** Dovecot's own log (errors and info lines, including auth failures). */
    public Path logFile() {
        return logFile;
    }

    /** The instance's temporary directory (config, run dir, maildirs, log); deleted by {@link #close()}. */
    public Path directory() {
        return directory;
    }

    public synchronized boolean isRunning() {
        return process != null && process.isAlive();
    }

    /** The last lines of Dovecot's log and of its standard error, for assertion and failure messages. */
    public String logTail() {
        return tail(logFile, LOG_TAIL_LINES) + tail(stderrFile, LOG_TAIL_LINES);
    }

    /**
     * Graceful stop: SIGTERM to the master process this harness started (Dovecot takes about a second to shut down
     * its services), then SIGTERM to any process of the instance still running (a logged-in imap process would
     * otherwise linger about 10 s); waits (bounded) until they have exited and the ports refuse connections. Logged-in
     * clients get {@code * BYE Server shutting down.} and then end of stream. Does nothing when already stopped.
     */
    public synchronized void stop() {
        terminate(false);
    }

    /**
     * Crash: SIGKILL to the master and every process of the instance at once, then waits (bounded) until the ports
     * refuse connections. Clients see their connections end without a BYE. Does nothing when already stopped.
     */
    public synchronized void kill() {
        terminate(true);
    }

    private void terminate(boolean abrupt) {
        Process master = process;
        if (master == null) {
            return;
        }
        process = null;
        // ProcessHandle checks the start time as well as the pid, so a pid reused meanwhile is never signalled
        List<ProcessHandle> children = master.descendants().toList();
        if (abrupt) {
            master.destroyForcibly();
            children.forEach(ProcessHandle::destroyForcibly);
        } else {
            master.destroy();
        }
        try {
            if (!master.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                master.destroyForcibly();
                master.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while stopping Dovecot", e);
        }
        children.stream().filter(DovecotServer::running).forEach(ProcessHandle::destroy);
        try {
            await().atMost(STOP_TIMEOUT).pollInterval(POLL_INTERVAL)
                    .until(() -> children.stream().noneMatch(DovecotServer::running));
        } catch (ConditionTimeoutException stillRunning) {
            children.stream().filter(DovecotServer::running).forEach(ProcessHandle::destroyForcibly);
        }
        awaitRefused(port);
        if (tlsPort > 0) {
            awaitRefused(tlsPort);
        }
    }

    /** {@link #stop()} then start again on the same ports with the same config, users and maildirs. */
    public synchronized void restart() {
        ensureOpen();
        stop();
        launchAndAwaitGreeting();
    }

    /** Kills the instance (no graceful shutdown: its files go anyway) and deletes its temporary directory. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            kill();
        } finally {
            try {
                Runtime.getRuntime().removeShutdownHook(shutdownHook);
            } catch (IllegalStateException jvmShuttingDown) {
                // the hook runs anyway; the process is already gone
            }
            deleteRecursively(directory);
        }
    }

    @Override
    public String toString() {
        return "DovecotServer[" + HOST + ":" + port + (tlsPort > 0 ? ", imaps " + tlsPort : "") + ", " + capability
                + ", " + directory + "]";
    }

    // ---- start-up ------------------------------------------------------------------------------------------------

    private synchronized void launchAndAwaitGreeting() {
        ensureOpen();
        ProcessBuilder builder = new ProcessBuilder(DOVECOT.toString(), "-F", "-c", configFile.toString())
                .directory(directory.toFile())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(stderrFile.toFile()));
        try {
            process = builder.start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + DOVECOT, e);
        }
        Process started = process;
        try {
            await().atMost(START_TIMEOUT).pollInterval(POLL_INTERVAL)
                    .until(() -> !started.isAlive() || greets(port, greeting));
        } catch (ConditionTimeoutException silent) {
            stop();
            throw new DovecotStartException("Dovecot did not greet on " + HOST + ":" + port + " within "
                    + START_TIMEOUT.toSeconds() + " s:\n" + logTail(), false);
        }
        if (!started.isAlive()) {
            int exit = started.exitValue();
            process = null;
            throw new DovecotStartException("Dovecot exited with status " + exit + " during start-up ("
                    + configFile + "):\n" + logTail(), addressInUse());
        }
    }

    private boolean addressInUse() {
        return logTail().contains("Address already in use");
    }

    /** True when a connection to the port gets this instance's greeting (not one of another server that took it). */
    private static boolean greets(int port, String greeting) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(HOST, port), 1000);
            socket.setSoTimeout(2000);
            InputStream in = socket.getInputStream();
            StringBuilder line = new StringBuilder();
            for (int b = in.read(); b != -1 && b != '\n' && line.length() < 1000; b = in.read()) {
                line.append((char) b);
            }
            return line.toString().startsWith("* OK") && line.toString().contains(greeting);
        } catch (IOException notYet) {
            return false;
        }
    }

    /** Alive and not a zombie: a child orphaned by the master waits, dead, for pid 1 to reap it. */
    private static boolean running(ProcessHandle process) {
        if (!process.isAlive()) {
            return false;
        }
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(process.pid()), "stat"));
            char state = stat.charAt(stat.lastIndexOf(')') + 2);
            return state != 'Z' && state != 'X';
        } catch (IOException | RuntimeException gone) {
            return false;
        }
    }

    private static void awaitRefused(int port) {
        await("port " + port + " refusing connections after Dovecot was stopped").atMost(STOP_TIMEOUT)
                .pollInterval(POLL_INTERVAL).until(() -> refuses(port));
    }

    private static boolean refuses(int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(HOST, port), 1000);
            return false;
        } catch (ConnectException refused) {
            return true;
        } catch (IOException other) {
            return false; // a timeout or reset: try again
        }
    }

    private void killOnJvmExit() {
        try {
            kill();
        } catch (RuntimeException e) {
            // the JVM is exiting: nothing more to do
        }
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("closed: " + this);
        }
    }

    /** Thrown when Dovecot does not come up; {@code retryable} when the chosen port was taken meanwhile. */
    private static final class DovecotStartException extends IllegalStateException {
        private final boolean retryable;

        DovecotStartException(String message, boolean retryable) {
            super(message);
            this.retryable = retryable;
        }
    }

    // ---- builder -------------------------------------------------------------------------------------------------

    /** Configures an instance; {@link #start()} may be called more than once for identical instances. */
    public static final class Builder {
        private final Map<String, String> users = new LinkedHashMap<>();
        private String capabilitySuffix = "";
        private Path tlsCertificateChain;
        private Path tlsPrivateKey;
        private final List<String> extraConfig = new ArrayList<>();
        private final Map<String, String> masterUsers = new LinkedHashMap<>();

        private Builder() {
        }

        /**
         * Adds a master user (a {@code master = yes} passwd-file passdb with {@code pass = yes}): it may log in as
         * any user, by AUTHENTICATE PLAIN with the user as authzid or by LOGIN {@code user*master}. The password is
         * registered with {@link TestSecrets}.
         */
        public Builder masterUser(String name, String password) {
            masterUsers.put(name, TestSecrets.register(password));
            return this;
        }

        /**
         * Adds a user to the passwd-file passdb. The name is lower-cased (Dovecot lower-cases login names); neither
         * name nor password may contain CR, LF or NUL, and the name no ':'. The password is stored as
         * {@code {PLAIN.b64}}, so it may contain ':', quotes, backslashes and non-ASCII characters. The password is
         * registered with {@link TestSecrets} so no log line may carry it.
         */
        public Builder user(String name, String password) {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(password, "password");
            if (name.isEmpty() || name.chars().anyMatch(c -> c == ':' || c == '\r' || c == '\n' || c == 0)) {
                throw new IllegalArgumentException("user name must be non-empty without ':', CR, LF or NUL: " + name);
            }
            if (password.chars().anyMatch(c -> c == '\r' || c == '\n' || c == 0)) {
                throw new IllegalArgumentException("password of " + name + " contains CR, LF or NUL");
            }
            users.put(name.toLowerCase(Locale.ROOT), TestSecrets.register(password));
            return this;
        }

        /** Makes the instance advertise {@code XPOSTERNTEST<suffix>}; letters, digits, '-' and '_' only. */
        public Builder capabilitySuffix(String suffix) {
            if (!ATOM_SUFFIX.matcher(Objects.requireNonNull(suffix, "suffix")).matches()) {
                throw new IllegalArgumentException("capability suffix must match " + ATOM_SUFFIX + ": " + suffix);
            }
            this.capabilitySuffix = suffix;
            return this;
        }

        /**
         * Turns TLS on: STARTTLS on {@link #port()} and implicit TLS on {@link #tlsPort()}, with these PEM files
         * (read by Dovecot at start-up). Plaintext LOGIN stays allowed.
         */
        public Builder tls(Path certificateChainPem, Path privateKeyPem) {
            this.tlsCertificateChain = Objects.requireNonNull(certificateChainPem, "certificateChainPem")
                    .toAbsolutePath();
            this.tlsPrivateKey = Objects.requireNonNull(privateKeyPem, "privateKeyPem").toAbsolutePath();
            return this;
        }

        /**
         * Raw lines appended to the generated dovecot.conf (later settings win; sections of the same name merge),
         * e.g. {@code "service imap { process_limit = 500 }"} for load tests.
         */
        public Builder extraConfig(String dovecotConfLines) {
            extraConfig.add(Objects.requireNonNull(dovecotConfLines, "dovecotConfLines"));
            return this;
        }

        /**
         * Sized for thousands of concurrent sessions (soak and benchmark runs): Dovecot's defaults suit a few hundred
         * clients, one imap process per session and 1000 clients a service.
         */
        public Builder manySessions() {
            return extraConfig("""
                    default_client_limit = 20000
                    default_vsz_limit = 2G
                    service imap {
                      client_limit = 1000
                      process_limit = 50
                      service_count = 0
                    }
                    service imap-login {
                      service_count = 0
                      client_limit = 4000
                      process_min_avail = 2
                    }
                    """);
        }

        /** Writes the config, starts Dovecot and waits (up to 15 s) for its greeting on the IMAP port. */
        public DovecotServer start() {
            for (int attempt = 1; ; attempt++) {
                DovecotServer server = prepare();
                Runtime.getRuntime().addShutdownHook(server.shutdownHook);
                try {
                    server.launchAndAwaitGreeting();
                    return server;
                } catch (RuntimeException e) {
                    // the message carries the log tail; the chosen port may have been taken meanwhile: retry
                    try {
                        server.close();
                    } catch (RuntimeException cleanup) {
                        e.addSuppressed(cleanup);
                    }
                    if (!(e instanceof DovecotStartException start && start.retryable && attempt < START_ATTEMPTS)) {
                        throw e;
                    }
                }
            }
        }

        private DovecotServer prepare() {
            requireDovecotAndRoot();
            MailUser mailUser = MailUser.ensure();
            try {
                Path directory = createInstanceDirectory();
                Path mail = Files.createDirectory(directory.resolve("mail"));
                Path home = Files.createDirectory(directory.resolve("home"));
                mailUser.own(mail);
                mailUser.own(home);
                Path passwd = directory.resolve("passwd");
                Files.writeString(passwd, passwdFile(users), StandardCharsets.UTF_8);
                String masterSection = "";
                if (!masterUsers.isEmpty()) {
                    Path masters = directory.resolve("master-users");
                    Files.writeString(masters, passwdFile(masterUsers), StandardCharsets.UTF_8);
                    Files.setPosixFilePermissions(masters, PosixFilePermissions.fromString("rw-r--r--"));
                    masterSection = "auth_master_user_separator = *\npassdb {\n  driver = passwd-file\n"
                            + "  master = yes\n  args = " + masters + "\n  pass = yes\n}\n";
                }
                // read by the auth process, which runs as Dovecot's internal user
                Files.setPosixFilePermissions(passwd, PosixFilePermissions.fromString("rw-r--r--"));
                // the rare clash of the two makes Dovecot fail with "address in use", which start() retries
                int port = Ports.closedPort();
                int tlsPort = tlsCertificateChain == null ? 0 : Ports.closedPort();
                String name = "postern-test-" + ProcessHandle.current().pid() + "-" + INSTANCES.incrementAndGet();
                DovecotServer server = new DovecotServer(directory, name, capability(), port, tlsPort);
                Files.writeString(server.configFile,
                        config(name, directory, passwd, mail, home, mailUser, port, tlsPort) + masterSection,
                        StandardCharsets.UTF_8);
                return server;
            } catch (IOException e) {
                throw new UncheckedIOException("cannot prepare a Dovecot instance", e);
            }
        }

        private static String passwdFile(Map<String, String> users) {
            StringBuilder out = new StringBuilder();
            users.forEach((name, password) -> out.append(name).append(":{PLAIN.b64}")
                    .append(Base64.getEncoder().encodeToString(password.getBytes(StandardCharsets.UTF_8)))
                    .append('\n'));
            return out.toString();
        }

        private String config(String instanceName, Path dir, Path passwd, Path mail, Path home, MailUser mailUser,
                int port, int tlsPort) {
            StringBuilder conf = new StringBuilder();
            conf.append("# Generated by dev.postern.testing.DovecotServer: a private test instance.\n")
                    .append("instance_name = ").append(instanceName).append('\n')
                    .append("base_dir = ").append(dir.resolve("run")).append('\n')
                    .append("state_dir = ").append(dir.resolve("state")).append('\n')
                    .append("log_path = ").append(dir.resolve("dovecot.log")).append('\n')
                    .append("info_log_path = ").append(dir.resolve("dovecot.log")).append('\n')
                    .append("login_greeting = ").append(greeting(instanceName)).append('\n')
                    .append("protocols = imap\n")
                    .append("listen = ").append(HOST).append('\n')
                    .append("disable_plaintext_auth = no\n")
                    .append("auth_mechanisms = plain login\n")
                    .append("auth_failure_delay = 0\n")
                    .append("auth_verbose = yes\n")
                    .append("login_trusted_networks = 127.0.0.0/8\n")
                    // every proxied session comes from the proxy's address; Dovecot's default is 10 per user+IP
                    .append("mail_max_userip_connections = 1000\n")
                    .append("first_valid_uid = ").append(mailUser.uid).append('\n')
                    .append("first_valid_gid = ").append(mailUser.gid).append('\n')
                    .append("mail_location = maildir:").append(mail).append("/%u\n")
                    .append("imap_capability = +").append(capability()).append('\n')
                    .append("passdb {\n  driver = passwd-file\n  args = ").append(passwd).append("\n}\n")
                    .append("userdb {\n  driver = static\n  args = uid=").append(mailUser.uid)
                    .append(" gid=").append(mailUser.gid).append(" home=").append(home).append("/%u\n}\n")
                    .append("service imap-login {\n")
                    .append("  inet_listener imap {\n    address = ").append(HOST)
                    .append("\n    port = ").append(port).append("\n  }\n")
                    .append("  inet_listener imaps {\n");
            if (tlsPort > 0) {
                conf.append("    address = ").append(HOST).append("\n    port = ").append(tlsPort)
                        .append("\n    ssl = yes\n");
            } else {
                conf.append("    port = 0\n");
            }
            conf.append("  }\n}\n")
                    // imap processes run as the mail user and report to stats-writer (default mode 0660, group dovecot)
                    .append("service stats {\n  unix_listener stats-writer {\n    mode = 0666\n  }\n}\n")
                    // no socket, no auth penalty: Dovecot 2.3.19 applies it even to login_trusted_networks, and its
                    // doubling delay (2 s up to 15 s per client IP) would slow every login after a failed one
                    .append("service anvil {\n  unix_listener anvil-auth-penalty {\n    mode = 0\n  }\n}\n");
            if (tlsPort > 0) {
                conf.append("ssl = yes\n")
                        .append("ssl_cert = <").append(tlsCertificateChain).append('\n')
                        .append("ssl_key = <").append(tlsPrivateKey).append('\n');
                if (Files.isReadable(DH_PARAMS)) {
                    conf.append("ssl_dh = <").append(DH_PARAMS).append('\n');
                }
            } else {
                conf.append("ssl = no\n");
            }
            extraConfig.forEach(lines -> conf.append(lines).append('\n'));
            return conf.toString();
        }

        private String capability() {
            return CAPABILITY_PREFIX + capabilitySuffix;
        }
    }

    // ---- host preparation ----------------------------------------------------------------------------------------

    /** Unique per instance, so start-up knows it is this instance that answers on the port. */
    private static String greeting(String instanceName) {
        return "Dovecot " + instanceName + " ready.";
    }

    private static void requireDovecotAndRoot() {
        if (!Files.isExecutable(DOVECOT)) {
            throw new IllegalStateException(DOVECOT + " is missing: install dovecot-imapd (bash .ci/install-test-deps.sh)");
        }
        String uid = run("id", "-u").strip();
        if (!uid.equals("0")) {
            throw new IllegalStateException("DovecotServer must run as root (Dovecot's master drops privileges "
                    + "itself); this JVM runs as uid " + uid);
        }
    }

    private static Path createInstanceDirectory() throws IOException {
        Path parent = Path.of(System.getProperty("java.io.tmpdir"));
        Path directory = Files.createTempDirectory(parent, "postern-dovecot-");
        if (directory.resolve("run").toString().length() > MAX_BASE_DIR_LENGTH) {
            Files.delete(directory);
            directory = Files.createTempDirectory(Path.of("/tmp"), "postern-dovecot-");
        }
        // the auth process (user dovecot) and imap processes (the mail user) must traverse it
        Files.setPosixFilePermissions(directory, PosixFilePermissions.fromString("rwxr-xr-x"));
        return directory;
    }

    /** The unprivileged owner of the maildirs. */
    private static final class MailUser {
        private static MailUser instance;
        final int uid;
        final int gid;

        private MailUser(int uid, int gid) {
            this.uid = uid;
            this.gid = gid;
        }

        static synchronized MailUser ensure() {
            if (instance == null) {
                if (!exists()) {
                    Result added = exec("useradd", "--system", "--user-group", "--no-create-home",
                            "--home-dir", "/nonexistent", "--shell", "/usr/sbin/nologin", MAIL_USER);
                    // exit 9: created meanwhile by another JVM
                    if (added.exit != 0 && !exists()) {
                        throw new IllegalStateException("useradd " + MAIL_USER + " failed (" + added.exit + "): "
                                + added.output);
                    }
                }
                instance = new MailUser(Integer.parseInt(run("id", "-u", MAIL_USER).strip()),
                        Integer.parseInt(run("id", "-g", MAIL_USER).strip()));
            }
            return instance;
        }

        private static boolean exists() {
            return exec("id", "-u", MAIL_USER).exit == 0;
        }

        void own(Path path) throws IOException {
            UserPrincipalLookupService lookup = path.getFileSystem().getUserPrincipalLookupService();
            UserPrincipal user = lookup.lookupPrincipalByName(MAIL_USER);
            GroupPrincipal group = lookup.lookupPrincipalByGroupName(MAIL_USER);
            PosixFileAttributeView view = Files.getFileAttributeView(path, PosixFileAttributeView.class);
            view.setOwner(user);
            view.setGroup(group);
        }
    }

    // ---- small helpers -------------------------------------------------------------------------------------------

    private record Result(int exit, String output) {
    }

    private static Result exec(String... command) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            p.getOutputStream().close();
            String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException(String.join(" ", command) + " did not finish within 30 s");
            }
            return new Result(p.exitValue(), output);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + String.join(" ", command), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted running " + String.join(" ", command), e);
        }
    }

    private static String run(String... command) {
        Result result = exec(command);
        if (result.exit != 0) {
            throw new IllegalStateException(String.join(" ", command) + " failed (" + result.exit + "): "
                    + result.output);
        }
        return result.output;
    }

    private static String tail(Path file, int lines) {
        if (!Files.exists(file)) {
            return "";
        }
        try {
            List<String> all = Files.readAllLines(file, StandardCharsets.UTF_8);
            List<String> last = all.subList(Math.max(0, all.size() - lines), all.size());
            return "--- " + file.getFileName() + " ---\n" + String.join("\n", last) + "\n";
        } catch (IOException | UncheckedIOException e) {
            return "--- " + file.getFileName() + ": unreadable: " + e + "\n";
        }
    }

    private static void deleteRecursively(Path root) {
        if (!Files.exists(root)) {
            return;
        }
        try {
            Files.walkFileTree(root, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    Files.delete(file);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path dir, IOException e) throws IOException {
                    if (e != null) {
                        throw e;
                    }
                    Files.delete(dir);
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete " + root, e);
        }
    }
}
