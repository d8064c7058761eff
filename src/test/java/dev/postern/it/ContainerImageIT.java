package dev.postern.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.postern.config.TlsConfig;
import dev.postern.testing.ClientProcess;
import dev.postern.testing.DovecotServer;
import dev.postern.testing.Ports;
import dev.postern.testing.RawImapClient;
import dev.postern.testing.TestSecrets;
import dev.postern.tls.SelfSignedCertificates;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The container image of {@code deploy/container/Containerfile}, built with podman from bases made of the Debian
 * packages ({@code deploy/container/bases.sh}), run with the config and certificate mounted, on the host's
 * network, in front of a Dovecot on the host's loopback: Postern answers the probes, runs as its non-root user, and
 * logs a user in. Where this machine cannot run a container at all, the test is skipped and says why.
 */
class ContainerImageIT {
    private static final String IMAGE = "localhost/postern:it";
    private static final String USER = "container-user";
    private static final String PASSWORD = TestSecrets.register("Container-pass-5a0");
    private static final Duration BUILD = Duration.ofMinutes(12);
    /** What makes podman run here: runc with cgroupfs (crun refuses hybrid cgroups) and limits the host allows. */
    private static final List<String> PODMAN = List.of("podman", "--runtime", "runc", "--cgroup-manager", "cgroupfs");
    private static final List<String> LIMITS = List.of("--ulimit", "nofile=20000:20000", "--ulimit",
            "nproc=4096:4096");

    private static DovecotServer dovecot;
    private static String container;
    private static int imaps;
    private static int admin;

    @TempDir
    static Path tmp;

    private static ClientProcess.Result podman(Duration timeout, String... args) throws Exception {
        List<String> command = new ArrayList<>(PODMAN);
        command.addAll(List.of(args));
        return ClientProcess.run(tmp, command, Map.of(), timeout);
    }

    @BeforeAll
    static void buildAndRun() throws Exception {
        ClientProcess.Result bases = ClientProcess.run(tmp, List.of("bash", "deploy/container/bases.sh"),
                Map.of("PODMAN_FLAGS", String.join(" ", PODMAN.subList(1, PODMAN.size()))), BUILD);
        assertEquals(0, bases.exit(), bases::describe);
        List<String> probe = new ArrayList<>(List.of("run", "--rm", "--network", "host"));
        probe.addAll(LIMITS);
        probe.addAll(List.of("localhost/postern-runtime-base:bookworm", "true"));
        ClientProcess.Result canRun = podman(Duration.ofMinutes(2), probe.toArray(String[]::new));
        Assumptions.assumeTrue(canRun.exit() == 0, () -> "this machine cannot run containers: " + canRun.describe());

        List<String> build = new ArrayList<>(List.of("build", "--network", "host", "-f",
                "deploy/container/Containerfile", "--ignorefile", "deploy/container/containerignore",
                "--volume", System.getProperty("user.home") + "/.m2:/root/.m2", "-t", IMAGE));
        build.addAll(LIMITS);
        build.add(".");
        ClientProcess.Result built = podman(BUILD, build.toArray(String[]::new));
        assertEquals(0, built.exit(), built::describe);

        dovecot = DovecotServer.builder().user(USER, PASSWORD).start();
        Path etc = Files.createDirectories(tmp.resolve("etc-postern"));
        SelfSignedCertificates.createIfMissing(TlsConfig.of(Map.of("certificate", etc.resolve("test.crt"),
                "key", etc.resolve("test.key"), "self_signed_if_missing", true)));
        imaps = Ports.closedPort();
        admin = Ports.closedPort();
        Files.writeString(etc.resolve("postern.yaml"), """
                listeners:
                  - {name: imaps, bind: "127.0.0.1:%d", tls: implicit}
                tls: {certificate: test.crt, key: test.key}
                pools: {main: {backends: ["%s:%d"]}}
                routes: {default_pool: main}
                admin: {bind: "127.0.0.1:%d"}
                """.formatted(imaps, dovecot.host(), dovecot.port(), admin), StandardCharsets.UTF_8);
        for (Path file : List.of(etc.resolve("postern.yaml"), etc.resolve("test.crt"), etc.resolve("test.key"))) {
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
        }
        Files.setPosixFilePermissions(etc, PosixFilePermissions.fromString("rwxr-xr-x"));
        tmp.toFile().setExecutable(true, false);
        container = "postern-it-" + ProcessHandle.current().pid();
        List<String> run = new ArrayList<>(List.of("run", "-d", "--name", container, "--network", "host",
                "--volume", etc + ":/etc/postern:ro"));
        run.addAll(LIMITS);
        run.add(IMAGE);
        ClientProcess.Result started = podman(Duration.ofMinutes(2), run.toArray(String[]::new));
        assertEquals(0, started.exit(), started::describe);
        await("Postern in the container listening").atMost(Duration.ofSeconds(60))
                .until(() -> Ports.accepts(imaps) && Ports.accepts(admin));
    }

    @AfterAll
    static void stop() throws Exception {
        if (container != null) {
            podman(Duration.ofMinutes(1), "rm", "-f", "-t", "5", container);
        }
        if (dovecot != null) {
            dovecot.close();
        }
    }

    @Test
    void posternInTheContainerLogsAUserInAsANonRootUser() throws Exception {
        try (RawImapClient c = RawImapClient.tls("127.0.0.1", imaps)) {
            assertTrue(c.readLine().startsWith("* OK"));
            assertTrue(RawImapClient.tagged(c.command("l", "LOGIN " + USER + " " + PASSWORD)).startsWith("l OK"));
            assertTrue(RawImapClient.tagged(c.command("s", "SELECT INBOX")).startsWith("s OK"));
        }
        ClientProcess.Result id = podman(Duration.ofMinutes(1), "exec", container, "id", "-u");
        assertEquals("10001", id.stdout().strip(), id::describe);
        ClientProcess.Result health = ClientProcess.run(tmp, List.of("curl", "-fsS",
                "http://127.0.0.1:" + admin + "/health"), Map.of(), Duration.ofSeconds(30));
        assertTrue(health.stdout().contains("alive"), health::describe);
    }
}
