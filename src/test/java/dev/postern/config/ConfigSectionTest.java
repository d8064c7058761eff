package dev.postern.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The section tables: each key's name, default and bound written once, and everything derived from them. */
class ConfigSectionTest {

    @TempDir
    Path dir;

    static Stream<ConfigSection<?>> sections() {
        return Stream.of(LimitsConfig.SECTION, TimeoutsConfig.SECTION, HealthConfig.SECTION, RoutesConfig.CacheConfig.SECTION,
                TlsConfig.SessionConfig.SECTION, LoginNameConfig.SECTION, BackendConfig.SECTION, PoolConfig.SECTION,
                ListenerConfig.SECTION, TlsConfig.SECTION);
    }

    @ParameterizedTest
    @MethodSource("sections")
    <R extends Record> void everyDefaultIsWithinItsKeysBounds(ConfigSection<R> section) {
        for (ConfigKey<?> key : section.keys()) {
            assertNull(boundProblem(key, Map.of()), section.type().getSimpleName() + "." + key.name());
        }
    }

    private static <T> String boundProblem(ConfigKey<T> key, Map<String, Object> before) {
        return key.boundProblem(key.fallback(before));
    }

    @ParameterizedTest
    @MethodSource("sections")
    <R extends Record> void everyComponentHasExactlyOneKey(ConfigSection<R> section) {
        Set<String> components = Arrays.stream(section.type().getRecordComponents()).map(c -> c.getName())
                .collect(Collectors.toSet());
        assertEquals(components, section.keys().stream().map(ConfigKey::component).collect(Collectors.toSet()));
        assertEquals(components.size(), section.keys().size());
    }

    @Test
    void theDefaultsConstantsAreTheTablesDefaults() {
        assertEquals(LimitsConfig.SECTION.defaults(), LimitsConfig.DEFAULTS);
        assertEquals(TimeoutsConfig.SECTION.defaults(), TimeoutsConfig.DEFAULTS);
        assertEquals(HealthConfig.SECTION.defaults(), HealthConfig.DEFAULTS);
        assertEquals(RoutesConfig.CacheConfig.SECTION.defaults(), RoutesConfig.CacheConfig.DEFAULTS);
        assertEquals(TlsConfig.SessionConfig.SECTION.defaults(), TlsConfig.SessionConfig.DEFAULTS);
        assertEquals(LoginNameConfig.SECTION.defaults(), LoginNameConfig.DEFAULTS);
        // The README's reference shows these; a moved default must move there too.
        assertEquals(65_536, LimitsConfig.DEFAULTS.maxLineBytes());
        assertEquals(Duration.ofMinutes(31), TimeoutsConfig.DEFAULTS.postLoginIdle());
        assertEquals(Duration.ofSeconds(5), HealthConfig.DEFAULTS.interval());
    }

    /** Where each table's mapping sits in a file, and the YAML that puts an unknown key {@code colour} there. */
    static Stream<Arguments> placesOfSections() {
        return Stream.of(
                Arguments.of(LimitsConfig.SECTION, "limits.colour", "limits: {colour: blue}"),
                Arguments.of(TimeoutsConfig.SECTION, "timeouts.colour", "timeouts: {colour: blue}"),
                Arguments.of(HealthConfig.SECTION, "pools.main.health.colour",
                        "pools: {main: {backends: ['10.0.0.1:143'], health: {colour: blue}}}"),
                Arguments.of(RoutesConfig.CacheConfig.SECTION, "routes.cache.colour", "routes: {cache: {colour: blue}}"),
                Arguments.of(LoginNameConfig.SECTION, "routes.login_names.colour", "routes: {login_names: {colour: blue}}"),
                Arguments.of(TlsConfig.SessionConfig.SECTION, "tls.sessions.colour", "tls: {sessions: {colour: blue}}"),
                Arguments.of(TlsConfig.SECTION, "tls.colour", "tls: {colour: blue}"),
                Arguments.of(PoolConfig.SECTION, "pools.main.colour", "pools: {main: {backends: ['10.0.0.1:143'], colour: blue}}"),
                Arguments.of(BackendConfig.SECTION, "pools.main.backends[0].colour",
                        "pools: {main: {backends: [{address: '10.0.0.1:143', colour: blue}]}}"),
                Arguments.of(ListenerConfig.SECTION, "listeners[1].colour",
                        "listeners: [{name: p, bind: '127.0.0.1:0', tls: none}, {name: q, bind: '127.0.0.1:0', tls: none, colour: blue}]"));
    }

    @ParameterizedTest(name = "{1}")
    @MethodSource("placesOfSections")
    void theLoadersKnownKeysAreTheTablesKeys(ConfigSection<?> section, String path, String yaml) throws Exception {
        String listeners = yaml.startsWith("listeners:") ? "" : "listeners: [{name: p, bind: '127.0.0.1:0', tls: none}]\n";
        Path file = Files.writeString(dir.resolve("postern.yaml"), listeners + yaml + "\n", StandardCharsets.UTF_8);
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(file));
        assertEquals(List.of(path + ": unknown key (expected one of " + section.names().stream().sorted().toList() + ")"),
                e.problems());
    }

    @Test
    void theByNameBuilderKeepsTheLoadersBoundsAndMessages() {
        assertEquals(100, LimitsConfig.of(Map.of("max_commands", 100)).maxCommands());
        assertEquals(64 * 1024, LimitsConfig.of(Map.of("max_literal_bytes", "64KiB")).maxLiteralBytes());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> LimitsConfig.of(Map.of("max_line_bytes", 0, "max_literals", "many")));
        assertEquals("limits.max_line_bytes: 0 (expected: 32768 to 16777216); "
                + "limits.max_literals: 'many' (expected: a whole number)", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> TimeoutsConfig.of(Map.of("logn", "3m")));
        assertTrue(e.getMessage().startsWith("timeouts.logn: unknown key (expected one of [backend_connect, "), e.getMessage());
        assertEquals(Duration.ofMinutes(10), TimeoutsConfig.of(Map.of("pre_auth_idle", Duration.ofMinutes(10))).preAuthIdle());
    }

    @Test
    void byNameBuildersFillDefaultsLikeTheLoader() {
        ListenerConfig starttls = ListenerConfig.of(Map.of("name", "imap", "bind", "127.0.0.1:143", "tls", "starttls"));
        assertEquals(true, starttls.requireTls(), "the default on a TLS listener");
        assertEquals(ListenerConfig.Alpn.OPTIONAL, starttls.alpn());
        assertEquals(false, ListenerConfig.of(Map.of("name", "p", "bind", "127.0.0.1:0", "tls", "none")).requireTls());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ListenerConfig.of(Map.of("name", "p", "bind", "127.0.0.1:0", "tls", "none", "require_tls", true)));
        assertEquals("listener.require_tls: true on a listener with tls: none can never be satisfied", e.getMessage());

        PoolConfig pool = PoolConfig.of("main", Map.of("backends", List.of("10.0.0.1:143",
                Map.of("address", "10.0.0.2:143", "weight", 3, "draining", true))));
        assertEquals(List.of(HostPort.parse("10.0.0.1:143"), HostPort.parse("10.0.0.2:143")),
                pool.backends().stream().map(BackendConfig::address).toList());
        assertEquals(List.of(1, 3), pool.backends().stream().map(BackendConfig::weight).toList());
        assertEquals(List.of(false, true), pool.backends().stream().map(BackendConfig::draining).toList());
        assertEquals(HealthConfig.DEFAULTS, pool.health());
        assertEquals(BackendTlsConfig.NONE, pool.tls());
        e = assertThrows(IllegalArgumentException.class, () -> PoolConfig.of("main", Map.of()));
        assertEquals("pools.main.backends: missing or empty (expected: a list of host:port)", e.getMessage());
    }

    @Test
    void withChangesKeysByNameWithoutTheOperatorsBounds() {
        LimitsConfig tiny = LimitsConfig.DEFAULTS.with(Map.of("max_line_bytes", 64));
        assertEquals(64, tiny.maxLineBytes());
        assertEquals(LimitsConfig.DEFAULTS.maxLiterals(), tiny.maxLiterals());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> LimitsConfig.DEFAULTS.with(Map.of("max_lines", 64)));
        assertTrue(e.getMessage().startsWith("[max_lines]: unknown key (expected one of [max_line_bytes, "), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> LimitsConfig.DEFAULTS.with(Map.of("max_line_bytes", "64KiB")));
        assertEquals("max_line_bytes: 64KiB (expected: int)", e.getMessage());
    }

    // ------------------------------------------------ the shapes the next keys take (issue 8), on test records

    /** A nested mapping such as {@code limits.penalty: {max_delay, window}}. */
    record Penalty(Duration maxDelay, Duration window) {
        static final ConfigSection<Penalty> SECTION = ConfigSection.of(Penalty.class,
                ConfigKey.duration("max_delay", Duration.ofSeconds(15), Duration.ZERO),
                ConfigKey.duration("window", Duration.ofMinutes(10), Duration.ofSeconds(1)));
    }

    /** A section with a plain key, a nested section and a list of parsed items. */
    record Edge(int maxConnections, Penalty penalty, List<HostPort> exempt) {
        static final ConfigSection<Edge> SECTION = ConfigSection.of(Edge.class,
                ConfigKey.whole("max_connections", 10_000, 1, 1_000_000),
                ConfigKey.section("penalty", Penalty.SECTION),
                ConfigKey.list("exempt", HostPort::parse));
    }

    @Test
    void aKeyIsOneRowPlusItsComponentWhateverItsShape() {
        assertEquals(new Edge(10_000, new Penalty(Duration.ofSeconds(15), Duration.ofMinutes(10)), List.of()),
                Edge.SECTION.defaults());
        Edge edge = Edge.SECTION.of("limits", Map.of("penalty", Map.of("window", "1m"), "exempt", List.of("10.0.0.1:0")));
        assertEquals(Duration.ofMinutes(1), edge.penalty().window());
        assertEquals(Duration.ofSeconds(15), edge.penalty().maxDelay());
        assertEquals(List.of(HostPort.parse("10.0.0.1:0")), edge.exempt());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Edge.SECTION.of("limits",
                Map.of("penalty", Map.of("window", "0s"), "exempt", List.of("10.0.0.1:0", "nowhere"))));
        assertEquals("limits.penalty.window: 0s (expected: at least 1s); "
                + "limits.exempt[1]: 'nowhere' (expected: host:port)", e.getMessage());
    }

    /** A record with a component the table forgot. */
    record Forgotten(int a, int b) {
    }

    @Test
    void aTableThatMissesAComponentFailsAtOnce() {
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> ConfigSection.of(Forgotten.class, ConfigKey.whole("a", 1, 0, 2)));
        assertTrue(e.getMessage().startsWith("Forgotten: a component has no key"), e.getMessage());
        e = assertThrows(IllegalStateException.class, () -> ConfigSection.of(Forgotten.class,
                ConfigKey.whole("a", 1, 0, 2), ConfigKey.whole("b", 1, 0, 2), ConfigKey.whole("c", 1, 0, 2)));
        assertEquals("Forgotten: key c fills no component of its own", e.getMessage());
        e = assertThrows(IllegalStateException.class, () -> ConfigSection.of(Forgotten.class,
                ConfigKey.whole("a", 1, 0, 2), ConfigKey.flag("b", true)));
        assertEquals("Forgotten: key b reads Boolean, component b is int", e.getMessage());
    }
}
