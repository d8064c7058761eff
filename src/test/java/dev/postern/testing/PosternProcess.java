package dev.postern.testing;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Postern as an operator runs it: {@code java -jar target/postern.jar --config FILE} in a process of its own, so its
 * heap, direct memory and descriptors are its own (the soak tool measures them). The config's {@code admin.bind} is
 * added here on a free loopback port; {@link #metrics} reads its Prometheus page, {@link #collectGarbage} asks the
 * JVM for a full GC (jcmd) so that heap figures are comparable.
 */
public final class PosternProcess implements AutoCloseable {
    private static final Path JAR = Path.of("target/postern.jar").toAbsolutePath();
    private final Process process;
    private final int adminPort;
    private final Path log;
    private final Path javaHome;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private PosternProcess(Process process, int adminPort, Path log, Path javaHome) {
        this.process = process;
        this.adminPort = adminPort;
        this.log = log;
        this.javaHome = javaHome;
    }

    /** Starts Postern with {@code yaml} (which must not have an admin section) and waits for /health. */
    public static PosternProcess start(String yaml, List<String> jvmOptions) {
        if (!Files.isRegularFile(JAR)) {
            throw new IllegalStateException(JAR + " is missing: run mvn package first");
        }
        Path javaHome = Path.of(System.getProperty("java.home"));
        List<String> command = new java.util.ArrayList<>();
        command.add(tool(javaHome, "java"));
        command.addAll(jvmOptions);
        command.addAll(List.of("-jar", JAR.toString()));
        return run(yaml, command, Map.of(), javaHome);
    }

    /**
     * Starts Postern through a launcher ({@code launcher}, then {@code --config <file>}; the launcher must exec the
     * JVM, so the process is Postern's) on the runtime in {@code javaHome} (the launcher's {@code JAVA}; its jcmd
     * serves {@link #jcmd}), with {@code environment} added to this one's, and waits for /health.
     */
    public static PosternProcess launch(String yaml, List<String> launcher, Map<String, String> environment,
                                        Path javaHome) {
        Map<String, String> withJava = new java.util.HashMap<>(environment);
        withJava.put("JAVA", tool(javaHome, "java"));
        return run(yaml, launcher, withJava, javaHome);
    }

    /** A program of the Java runtime in {@code javaHome} ({@code java}, {@code jcmd}). */
    private static String tool(Path javaHome, String name) {
        return javaHome.resolve("bin").resolve(name).toString();
    }

    /**
     * The Debian package's layout under {@code dir}, made once: the launcher (deploy/deb/postern) as bin/postern
     * beside a copy of the jar as share/postern/postern.jar. Returns the launcher.
     */
    public static Path packageLayout(Path dir) {
        Path launcher = dir.resolve("bin/postern");
        try {
            if (!Files.exists(launcher)) {
                Files.createDirectories(launcher.getParent());
                Files.copy(Path.of("deploy/deb/postern"), launcher);
                Files.setPosixFilePermissions(launcher, java.nio.file.attribute.PosixFilePermissions.fromString(
                        "rwxr-xr-x"));
                Path jar = Files.createDirectories(dir.resolve("share/postern")).resolve("postern.jar");
                Files.copy(JAR, jar, java.nio.file.StandardCopyOption.COPY_ATTRIBUTES);
            }
            return launcher;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static PosternProcess run(String yaml, List<String> commandBeforeConfig, Map<String, String> environment,
                                      Path javaHome) {
        try {
            Path dir = Files.createTempDirectory("postern-process-");
            int adminPort = Ports.closedPort();
            Path config = dir.resolve("postern.yaml");
            Files.writeString(config, yaml + "admin: {bind: \"127.0.0.1:" + adminPort + "\"}\n",
                    StandardCharsets.UTF_8);
            Path log = dir.resolve("postern.log");
            List<String> command = new java.util.ArrayList<>(commandBeforeConfig);
            command.addAll(List.of("--config", config.toString()));
            ProcessBuilder builder = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
                    .redirectOutput(log.toFile());
            builder.environment().putAll(environment);
            Process process = builder.start();
            PosternProcess postern = new PosternProcess(process, adminPort, log, javaHome);
            try {
                await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100))
                        .until(() -> !process.isAlive() || postern.healthy());
            } catch (RuntimeException e) {
                postern.close();
                throw e;
            }
            if (!process.isAlive()) {
                throw new IllegalStateException("postern exited with " + process.exitValue() + ": "
                        + Files.readString(log));
            }
            return postern;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private boolean healthy() {
        try {
            return get("/health").statusCode() == 200;
        } catch (IOException e) {
            return false;
        }
    }

    private HttpResponse<String> get(String path) throws IOException {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + adminPort + path))
                .timeout(Duration.ofSeconds(10)).build();
        try {
            return http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }

    public long pid() {
        return process.pid();
    }

    public Path log() {
        return log;
    }

    /** The Prometheus page. */
    public PrometheusPage metrics() throws IOException {
        return new PrometheusPage(get("/metrics").body());
    }

    /** A full GC in Postern's JVM, so that the next heap reading is the live set. */
    public void collectGarbage() throws IOException {
        jcmd("GC.run");
    }

    /**
     * Runs a diagnostic command in Postern's JVM with the jcmd of the runtime it runs on (one of another version may
     * not attach); returns its output lines. Bounded: 30 s.
     */
    public List<String> jcmd(String... command) throws IOException {
        List<String> argv = new java.util.ArrayList<>(List.of(tool(javaHome, "jcmd"),
                Long.toString(process.pid())));
        argv.addAll(List.of(command));
        Path output = Files.createTempFile(log.getParent(), "jcmd-", ".txt");
        Process jcmd = new ProcessBuilder(argv).redirectErrorStream(true).redirectOutput(output.toFile()).start();
        try {
            if (!jcmd.waitFor(30, TimeUnit.SECONDS)) {
                jcmd.destroyForcibly();
                throw new IOException("jcmd " + command[0] + " did not finish in 30 s");
            }
            return Files.readAllLines(output, StandardCharsets.UTF_8);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        } finally {
            Files.deleteIfExists(output);
        }
    }

    /** SIGTERM (Postern's ordered shutdown), then SIGKILL after 15 s. */
    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(15, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }
}
