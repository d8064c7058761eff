package dev.postern.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.postern.testing.ClientProcess;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Debian package {@code mvn -Pdeb package} builds ({@code .ci/run} does): lintian finds no error, systemd
 * verifies the unit, and the package installs into a throwaway root with dpkg (maintainer scripts honour
 * {@code DPKG_ROOT}): the system user exists there and owns the certificate folder, {@code postern --version} and
 * {@code postern --check-config /etc/postern/postern.yaml} work through the packaged wrapper, and a purge leaves
 * nothing of the package behind.
 */
class DebianPackageIT {
    private static final Duration TIMEOUT = Duration.ofMinutes(5);
    private static Path deb;

    @TempDir
    static Path tmp;

    @BeforeAll
    static void findPackage() throws IOException {
        try (Stream<Path> files = Files.list(Path.of("target"))) {
            deb = files.filter(p -> p.getFileName().toString().matches("postern_.+_all\\.deb"))
                    .max(Comparator.comparingLong(p -> p.toFile().lastModified()))
                    .orElseThrow(() -> new AssertionError("target/postern_*_all.deb is missing: build it with "
                            + "mvn -Pdeb package (bash .ci/run does)"))
                    .toAbsolutePath();
        }
    }

    private static ClientProcess.Result run(String... command) throws Exception {
        return ClientProcess.run(tmp, List.of(command), Map.of(), TIMEOUT);
    }

    @Test
    void lintianFindsNoError() throws Exception {
        ClientProcess.Result lintian = run("lintian", "--fail-on", "error", deb.toString());
        System.out.println("lintian " + deb.getFileName() + ":\n" + lintian.stdout());
        assertEquals(0, lintian.exit(), lintian::describe);
        assertFalse(lintian.stdout().lines().anyMatch(l -> l.startsWith("E: ")), lintian::describe);
    }

    /** In a root of the package's files, the host's targets and /usr/bin/kill (what the unit refers to). */
    @Test
    void systemdVerifiesTheUnit() throws Exception {
        Path root = Files.createDirectories(tmp.resolve("unit-root"));
        assertEquals(0, run("dpkg-deb", "-x", deb.toString(), root.toString()).exit());
        Path units = root.resolve("lib/systemd/system");
        try (Stream<Path> host = Files.list(Path.of("/lib/systemd/system"))) {
            for (Path unit : host.filter(p -> p.toString().endsWith(".target") || p.toString().endsWith(".slice"))
                    .toList()) {
                Files.copy(unit, units.resolve(unit.getFileName()));
            }
        }
        Files.copy(Path.of("/usr/bin/kill"), root.resolve("usr/bin/kill"));
        Files.createSymbolicLink(root.resolve("bin"), Path.of("usr/bin"));
        ClientProcess.Result verify = run("systemd-analyze", "verify", "--root=" + root,
                "/lib/systemd/system/postern.service");
        assertEquals(0, verify.exit(), verify::describe);
        String unit = Files.readString(units.resolve("postern.service"), StandardCharsets.UTF_8);
        for (String line : new String[] {"User=postern", "AmbientCapabilities=CAP_NET_BIND_SERVICE",
                "ExecReload=/bin/kill -HUP $MAINPID", "NoNewPrivileges=yes", "ProtectSystem=strict",
                "ReadWritePaths=/etc/postern/certs", "SystemCallFilter=@system-service"}) {
            assertTrue(unit.lines().anyMatch(line::equals), line);
        }
    }

    @Test
    void installsIntoAThrowawayRootRunsAndPurgesWithoutATrace() throws Exception {
        Path root = Files.createDirectories(tmp.resolve("install-root"));
        Files.createDirectories(root.resolve("var/lib/dpkg/info"));
        Files.createDirectories(root.resolve("var/lib/dpkg/updates"));
        Files.writeString(root.resolve("var/lib/dpkg/status"), "");
        Path etc = Files.createDirectories(root.resolve("etc"));
        Files.writeString(etc.resolve("passwd"), "root:x:0:0:root:/root:/bin/sh\n");
        Files.writeString(etc.resolve("group"), "root:x:0:\n");
        Files.writeString(etc.resolve("shadow"), "root:*:19000:0:99999:7:::\n");
        Files.writeString(etc.resolve("gshadow"), "root:*::\n");
        List<String> before = tree(root);

        // the Java runtime and adduser live on the host, not in this root: only those dependencies are forced
        ClientProcess.Result install = run("dpkg", "--root=" + root, "--force-depends", "--force-script-chrootless",
                "--log=/dev/null", "-i", deb.toString());
        assertEquals(0, install.exit(), install::describe);
        String user = Files.readAllLines(etc.resolve("passwd")).stream().filter(l -> l.startsWith("postern:"))
                .findFirst().orElseThrow(() -> new AssertionError("no postern user in the root"));
        int uid = Integer.parseInt(user.split(":")[2]);
        PosixFileAttributes certs = Files.readAttributes(root.resolve("etc/postern/certs"),
                PosixFileAttributes.class);
        assertEquals(uid, (int) Files.getAttribute(root.resolve("etc/postern/certs"), "unix:uid"));
        assertEquals("rwxr-x---", java.nio.file.attribute.PosixFilePermissions.toString(certs.permissions()));
        assertTrue(Files.isExecutable(root.resolve("usr/bin/postern")));

        ClientProcess.Result version = run(root.resolve("usr/bin/postern").toString(), "--version");
        assertEquals(0, version.exit(), version::describe);
        assertTrue(version.stdout().startsWith("postern "), version.stdout());
        ClientProcess.Result check = run(root.resolve("usr/bin/postern").toString(), "--check-config",
                root.resolve("etc/postern/postern.yaml").toString());
        assertEquals(0, check.exit(), check::describe);
        assertTrue(check.stdout().contains("configuration OK"), check.stdout());

        ClientProcess.Result purge = run("dpkg", "--root=" + root, "--force-script-chrootless", "--log=/dev/null",
                "-P", "postern");
        assertEquals(0, purge.exit(), purge::describe);
        List<String> after = tree(root).stream().filter(p -> !p.matches("etc/(passwd|group|shadow|gshadow)-"))
                .filter(p -> !p.equals("etc/.pwd.lock")).toList();
        assertEquals(before, after, "what the purge left behind");
        assertFalse(Files.readString(etc.resolve("passwd")).contains("postern:"), "the system user is gone");
    }

    /** Every path under {@code root} but dpkg's own database, relative and sorted. */
    private static List<String> tree(Path root) throws IOException {
        try (Stream<Path> all = Files.walk(root)) {
            return all.filter(p -> !p.equals(root)).map(p -> root.relativize(p).toString())
                    .filter(p -> !p.startsWith("var/lib/dpkg/") && !p.equals("var/lib/dpkg")
                            && !p.equals("var/lib") && !p.equals("var"))
                    .sorted().toList();
        }
    }
}
