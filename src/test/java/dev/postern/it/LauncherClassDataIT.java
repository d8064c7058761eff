package dev.postern.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.postern.testing.PosternProcess;
import dev.postern.testing.Ports;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The packaged launcher's class-data sharing (deploy/deb/postern): a service run records the classes it loaded when
 * it stops, the next start maps that archive and serves, a newer jar records a new one, and without a writable
 * folder (or with POSTERN_CDS_ARCHIVE empty) nothing changes; a path with a space is refused aloud. Run in the
 * package's layout: bin/postern beside share/postern/postern.jar.
 */
class LauncherClassDataIT {
    @TempDir
    Path dir;

    private Path launcher;
    private Path jar;
    private Path archive;
    private int port;

    @BeforeEach
    void layOut() throws IOException {
        launcher = PosternProcess.packageLayout(dir);
        jar = dir.resolve("share/postern/postern.jar");
        archive = Files.createDirectories(dir.resolve("cache")).resolve("postern.jsa");
        port = Ports.closedPort();
    }

    private PosternProcess start(String archivePath) {
        String yaml = "listeners: [{name: plain, bind: \"127.0.0.1:" + port + "\", tls: none, require_tls: false}]\n"
                + "pools: {main: {backends: [\"127.0.0.1:1\"]}}\nroutes: {default_pool: main}\n";
        return PosternProcess.launch(yaml, List.of(launcher.toString()), Map.of("POSTERN_CDS_ARCHIVE", archivePath),
                Path.of(System.getProperty("java.home")));
    }

    /** Whether the process has {@code file} mapped (the JVM maps a CDS archive it uses). */
    private static boolean maps(PosternProcess postern, Path file) throws IOException {
        return Files.readAllLines(Path.of("/proc", Long.toString(postern.pid()), "maps")).stream()
                .anyMatch(line -> line.endsWith(" " + file));
    }

    private void greets() throws IOException {
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(10_000);
            String greeting = new BufferedReader(new InputStreamReader(socket.getInputStream(),
                    StandardCharsets.US_ASCII)).readLine();
            assertTrue(greeting != null && greeting.startsWith("* OK"), "greeting: " + greeting);
        }
    }

    @Test
    void aRunRecordsTheArchiveTheNextStartMapsItAndANewerJarRecordsAgain() throws Exception {
        Path firstLog;
        try (PosternProcess first = start(archive.toString())) {
            firstLog = first.log();
            greets();
            assertFalse(Files.exists(archive), "recorded at exit, not before");
        }
        assertTrue(Files.size(archive) > 1_000_000, "archive of " + Files.size(archive) + " bytes");
        // recording warns of every JDK class it leaves out; the launcher keeps that out of the service's log
        assertFalse(Files.readString(firstLog).contains("[cds"), Files.readString(firstLog));

        try (PosternProcess second = start(archive.toString())) {
            assertTrue(maps(second, archive), "the second start maps the archive");
            greets();
        }

        FileTime recorded = Files.getLastModifiedTime(archive);
        Files.setLastModifiedTime(jar, FileTime.from(Instant.now().plusSeconds(5)));
        try (PosternProcess third = start(archive.toString())) {
            assertFalse(maps(third, archive), "an archive older than the jar is not used");
            greets();
        }
        assertTrue(Files.getLastModifiedTime(archive).compareTo(recorded) > 0, "a new archive recorded at exit");
    }

    @Test
    void withoutAWritableFolderOrWithTheVariableEmptyNothingIsRecorded() throws Exception {
        Path nowhere = dir.resolve("absent/postern.jsa");
        try (PosternProcess postern = start(nowhere.toString())) {
            greets();
        }
        assertFalse(Files.exists(nowhere.getParent()));
        try (PosternProcess postern = start("")) {
            greets();
        }
        try (var files = Files.list(dir.resolve("cache"))) {
            assertEquals(List.of(), files.toList(), "POSTERN_CDS_ARCHIVE empty: off");
        }
    }

    @Test
    void aPathWithASpaceIsRefusedAloudAndPosternRunsWithout() throws Exception {
        Path spaced = Files.createDirectories(dir.resolve("my cache")).resolve("postern.jsa");
        Path log;
        try (PosternProcess postern = start(spaced.toString())) {
            log = postern.log();
            greets();
        }
        assertFalse(Files.exists(spaced));
        assertTrue(Files.readString(log).contains("POSTERN_CDS_ARCHIVE has a space in it; class-data sharing off"),
                Files.readString(log));
    }
}
