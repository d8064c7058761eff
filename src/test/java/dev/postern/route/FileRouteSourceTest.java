package dev.postern.route;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.postern.config.HostPort;
import dev.postern.config.LoginNameConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Routes files (YAML and CSV): loading, reloading on change, and refusing a broken file whole. */
class FileRouteSourceTest {
    private static final Set<String> POOLS = Set.of("main", "archive");
    private static final Route MAIN = new Route.ToPool("main");
    private static final Route ARCHIVE = new Route.ToPool("archive");

    @TempDir
    Path dir;

    /** Base time for explicit modification times: every rewrite gets a later, distinct stamp. */
    private final Instant base = Instant.parse("2024-01-01T00:00:00Z");
    private int writes;

    private Path write(String name, String content) throws IOException {
        Path file = dir.resolve(name);
        Files.writeString(file, content, StandardCharsets.UTF_8);
        Files.setLastModifiedTime(file, FileTime.from(base.plusSeconds(10L * ++writes)));
        return file;
    }

    private static Optional<Route> lookup(FileRouteSource source, String key) {
        var answer = source.lookup(new LookupRequest(key, null, null, 1));
        assertTrue(answer.isDone(), "a file lookup must be answered at once");
        return answer.join();
    }

    private static Route backend(String hostPort) {
        return new Route.ToBackend(HostPort.parse(hostPort));
    }

    @Test
    void aYamlFileLoadsPoolsAndBackendsUnderNormalizedKeys() throws IOException {
        Path file = write("routes.yaml", """
                # login: target
                alice@example.org: main
                Bob@Example.ORG: 10.0.0.5:10143
                carol@example.org: "[2001:db8::1]:143"
                """);
        FileRouteSource source = new FileRouteSource(file, POOLS, LoginNames.DEFAULT);

        assertEquals(Optional.of(MAIN), lookup(source, "alice@example.org"));
        assertEquals(Optional.of(backend("10.0.0.5:10143")), lookup(source, "bob@example.org"));
        assertEquals(Optional.of(backend("[2001:db8::1]:143")), lookup(source, "carol@example.org"));
        assertEquals(Optional.empty(), lookup(source, "dave@example.org"));
        assertNull(source.lastError());
    }

    @Test
    void aCsvFileLoadsWithCommentsBlankLinesAndSpaces() throws IOException {
        Path file = write("routes.csv", "# login,target\r\nalice@example.org,main\r\n\r\n  bob@example.org , 10.0.0.5:143 \n");
        FileRouteSource source = new FileRouteSource(file, POOLS, LoginNames.DEFAULT);

        assertEquals(Optional.of(MAIN), lookup(source, "alice@example.org"));
        assertEquals(Optional.of(backend("10.0.0.5:143")), lookup(source, "bob@example.org"));
    }

    @Test
    void keysAreNormalizedWithTheConfiguredLoginNames() throws IOException {
        Path file = write("routes.yaml", "alice: main\n");
        LoginNames names = new LoginNames(LoginNameConfig.of(Map.of("default_domain", "example.org")));
        FileRouteSource source = new FileRouteSource(file, POOLS, names);
        assertEquals(Optional.of(MAIN), lookup(source, "alice@example.org"));
    }

    @Test
    void anEmptyFileIsAnEmptyMap() throws IOException {
        FileRouteSource source = new FileRouteSource(write("routes.yaml", ""), POOLS, LoginNames.DEFAULT);
        assertEquals(Optional.empty(), lookup(source, "alice@example.org"));
    }

    @Test
    void aChangedFileIsPickedUpAndListenersAreTold() throws IOException {
        Path file = write("routes.yaml", "alice@example.org: main\n");
        FileRouteSource source = new FileRouteSource(file, POOLS, LoginNames.DEFAULT);
        AtomicInteger changes = new AtomicInteger();
        source.onChange(changes::incrementAndGet);

        assertFalse(source.reloadIfChanged(), "reloaded an unchanged file");
        assertEquals(0, changes.get());

        write("routes.yaml", "alice@example.org: archive\nbob@example.org: main\n");
        assertTrue(source.reloadIfChanged());
        assertEquals(1, changes.get());
        assertEquals(Optional.of(ARCHIVE), lookup(source, "alice@example.org"));
        assertEquals(Optional.of(MAIN), lookup(source, "bob@example.org"));

        assertFalse(source.reloadIfChanged());
        assertEquals(1, changes.get());
    }

    @Test
    void aChangeWithTheSameSizeAndANewTimeIsPickedUp() throws IOException {
        Path file = write("routes.csv", "alice@example.org,main\n");
        FileRouteSource source = new FileRouteSource(file, Set.of("main", "rome"), LoginNames.DEFAULT);
        write("routes.csv", "alice@example.org,rome\n");
        assertTrue(source.reloadIfChanged());
        assertEquals(Optional.of(new Route.ToPool("rome")), lookup(source, "alice@example.org"));
    }

    @Test
    void aChangeWithTheSameTimeAndANewSizeIsPickedUp() throws IOException {
        Path file = write("routes.csv", "alice@example.org,main\n");
        FileTime stamp = Files.getLastModifiedTime(file);
        FileRouteSource source = new FileRouteSource(file, POOLS, LoginNames.DEFAULT);
        Files.writeString(file, "alice@example.org,archive\n");
        Files.setLastModifiedTime(file, stamp);
        assertTrue(source.reloadIfChanged());
        assertEquals(Optional.of(ARCHIVE), lookup(source, "alice@example.org"));
    }

    static List<String[]> brokenFiles() {
        return List.of(
                new String[] {"routes.yaml", "alice@example.org: [main\n", "expected ',' or ']'"},
                new String[] {"routes.yaml", "- alice@example.org\n- main\n", "expected a mapping"},
                new String[] {"routes.yaml", "alice@example.org: main\nalice@example.org: archive\n", "duplicate"},
                new String[] {"routes.yaml", "alice@example.org:\n  nested: main\n", "expected a pool name or host:port"},
                new String[] {"routes.yaml", "alice@example.org: nosuchpool\n", "nosuchpool"},
                new String[] {"routes.csv", "alice@example.org,main\nbob@example.org\n", "line 2"},
                new String[] {"routes.csv", "alice@example.org,main,extra\n", "line 1"},
                new String[] {"routes.csv", ",main\n", "line 1"},
                new String[] {"routes.csv", "bob@example.org,10.0.0.5:99999\n", "10.0.0.5:99999"});
    }

    @ParameterizedTest(name = "{0}: {2}")
    @MethodSource("brokenFiles")
    void aBrokenFileKeepsTheOldMapAndSaysWhy(String name, String broken, String reason) throws IOException {
        String good = name.endsWith(".csv") ? "alice@example.org,main\n" : "alice@example.org: main\n";
        Path file = write(name, good);
        FileRouteSource source = new FileRouteSource(file, POOLS, LoginNames.DEFAULT);
        AtomicInteger changes = new AtomicInteger();
        source.onChange(changes::incrementAndGet);

        write(name, broken);
        assertFalse(source.reloadIfChanged(), "a broken file was taken");
        assertEquals(Optional.of(MAIN), lookup(source, "alice@example.org"), "the old map was not kept");
        assertEquals(Optional.empty(), lookup(source, "bob@example.org"));
        assertEquals(0, changes.get(), "a refused file told the listeners");
        String error = source.lastError();
        assertNotNull(error);
        assertTrue(error.contains(file.toString()) && error.contains(reason), error);

        // Fixed again: taken, the error is gone, and the listeners hear of it.
        write(name, name.endsWith(".csv") ? "alice@example.org,archive\n" : "alice@example.org: archive\n");
        assertTrue(source.reloadIfChanged());
        assertEquals(Optional.of(ARCHIVE), lookup(source, "alice@example.org"));
        assertNull(source.lastError());
        assertEquals(1, changes.get());
    }

    @Test
    void aBrokenFileIsRefusedWholeNotLineByLine() throws IOException {
        Path file = write("routes.csv", "alice@example.org,main\n");
        FileRouteSource source = new FileRouteSource(file, POOLS, LoginNames.DEFAULT);
        write("routes.csv", "alice@example.org,archive\nbob@example.org,main\ncarol@example.org,nosuchpool\n");
        assertFalse(source.reloadIfChanged());
        assertEquals(Optional.of(MAIN), lookup(source, "alice@example.org"));
        assertEquals(Optional.empty(), lookup(source, "bob@example.org"));
    }

    @Test
    void aDeletedFileKeepsTheOldMap() throws IOException {
        Path file = write("routes.yaml", "alice@example.org: main\n");
        FileRouteSource source = new FileRouteSource(file, POOLS, LoginNames.DEFAULT);
        Files.delete(file);
        assertFalse(source.reloadIfChanged());
        assertEquals(Optional.of(MAIN), lookup(source, "alice@example.org"));
        assertNotNull(source.lastError());
        assertTrue(source.lastError().contains("cannot read"), source.lastError());

        write("routes.yaml", "alice@example.org: archive\n");
        assertTrue(source.reloadIfChanged());
        assertEquals(Optional.of(ARCHIVE), lookup(source, "alice@example.org"));
    }

    @Test
    void aMissingFileAtStartIsAnError() {
        assertThrows(IOException.class,
                () -> new FileRouteSource(dir.resolve("absent.yaml"), POOLS, LoginNames.DEFAULT));
    }

    @Test
    void aBadFileAtStartIsAnError() throws IOException {
        Path file = write("routes.yaml", "alice@example.org: nosuchpool\n");
        assertThrows(RuntimeException.class, () -> new FileRouteSource(file, POOLS, LoginNames.DEFAULT));
    }

    @Test
    void watchingPicksUpAChangeWithinABoundedTime() throws Exception {
        Path file = write("routes.yaml", "alice@example.org: main\n");
        FileRouteSource source = new FileRouteSource(file, POOLS, LoginNames.DEFAULT);
        ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
        try {
            CountDownLatch reloaded = new CountDownLatch(1);
            source.onChange(reloaded::countDown);
            source.watch(scheduler, 20);
            write("routes.yaml", "alice@example.org: archive\n");
            assertTrue(reloaded.await(5, TimeUnit.SECONDS), "no reload within 5 s of the change");
            assertEquals(Optional.of(ARCHIVE), lookup(source, "alice@example.org"));
        } finally {
            source.close();
            scheduler.shutdownNow();
            assertTrue(scheduler.awaitTermination(5, TimeUnit.SECONDS));
        }
    }
}
