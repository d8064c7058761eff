package dev.postern.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The YAML loader: the shipped file loads, and every mistake in a file is reported at once, by key path. */
class ConfigLoaderTest {

    @TempDir
    Path dir;

    @Test
    void theShippedConfigLoadsWithItsDocumentedDefaults() throws Exception {
        Path conf = Files.createDirectories(dir.resolve("conf"));
        Path file = Files.copy(Path.of("conf/postern.yaml"), conf.resolve("postern.yaml"));
        PosternConfig config = ConfigLoader.load(file);

        assertEquals(List.of(
                        ListenerConfig.of(Map.of("name", "imaps", "bind", "127.0.0.1:1993", "tls", "implicit",
                                "require_tls", true, "alpn", "optional")),
                        ListenerConfig.of(Map.of("name", "imap", "bind", "127.0.0.1:1143", "tls", "starttls",
                                "require_tls", true, "alpn", "optional"))),
                config.listeners());
        assertEquals(dir.resolve("certs/postern.crt"), config.tls().certificate(), "resolved against conf/");
        assertEquals(dir.resolve("certs/postern.key"), config.tls().key());
        assertTrue(config.tls().selfSignedIfMissing());
        assertEquals(List.of(new HostPort("127.0.0.1", 143)),
                config.pools().get("default").backends().stream().map(BackendConfig::address).toList());
        assertEquals("default", config.routes().defaultPool());
        assertEquals(Map.of(), config.routes().staticRoutes());
        assertEquals(Duration.ofMinutes(5), config.routes().cache().ttl());
        assertEquals(Duration.ofSeconds(30), config.routes().cache().negativeTtl());
        assertEquals(100_000, config.routes().cache().maxEntries());
        assertEquals("Postern ready.", config.greeting());
        assertEquals(LimitsConfig.DEFAULTS, config.limits(), "the file shows the defaults");
        assertEquals(TimeoutsConfig.DEFAULTS, config.timeouts(), "the file shows the defaults");
        assertEquals(file.toAbsolutePath().normalize(), config.source());
    }

    @Test
    void aMinimalConfigGetsEveryDefault() throws Exception {
        PosternConfig config = load("""
                listeners:
                  - {name: plain, bind: "127.0.0.1:0", tls: none}
                """);
        ListenerConfig plain = config.listeners().get(0);
        assertEquals(1, config.listeners().size());
        assertEquals("plain", plain.name());
        assertEquals(new HostPort("127.0.0.1", 0), plain.bind());
        assertEquals(TlsMode.NONE, plain.tls());
        assertEquals(false, plain.requireTls(), "the default without TLS");
        assertEquals(ListenerConfig.Alpn.OPTIONAL, plain.alpn());
        assertEquals(LimitsConfig.DEFAULTS, config.limits());
        assertEquals(TimeoutsConfig.DEFAULTS, config.timeouts());
        assertEquals("Postern ready.", config.greeting());
        assertEquals(Map.of(), config.pools());
        assertEquals(null, config.routes().defaultPool());
    }

    @Test
    void requireTlsDefaultsToTrueOnTlsListeners() throws Exception {
        PosternConfig config = load("""
                listeners:
                  - {name: a, bind: "127.0.0.1:143", tls: starttls}
                  - {name: b, bind: "127.0.0.1:993", tls: IMPLICIT}
                  - {name: c, bind: "127.0.0.1:144", tls: starttls, require_tls: false}
                tls: {certificate: c.pem, key: k.pem}
                """);
        assertEquals(List.of(true, true, false), config.listeners().stream().map(ListenerConfig::requireTls).toList());
        assertEquals(TlsMode.IMPLICIT, config.listeners().get(1).tls());
    }

    @Test
    void everyMistakeIsReportedAtOnceWithItsKeyPath() throws Exception {
        ConfigException e = assertThrows(ConfigException.class, () -> load("""
                listeners:
                  - name: imaps
                    bind: "127.0.0.1"
                    tls: tlsx
                  - name: imap
                    bind: "127.0.0.1:99999"
                    tls: none
                    colour: blue
                pools:
                  main:
                    backends: ["10.0.0.1:143", "10.0.0.2"]
                  spare:
                    backends: ["10.0.0.3:143"]
                routes:
                  default_pool: missing
                  static:
                    alice@example.org: nowhere
                limits:
                  max_line_bytes: 100
                  max_literals: many
                timeouts:
                  post_login_idle: 10m
                  login: soon
                extra: 1
                """));
        List<String> problems = e.problems();
        List<String> exact = List.of(
                "listeners[0].bind: '127.0.0.1' (expected: host:port)",
                "listeners[0].tls: 'tlsx' (expected one of [implicit, starttls, none])",
                "listeners[1].bind: '127.0.0.1:99999' (port out of range 0-65535)",
                "pools.main.backends[1]: '10.0.0.2' (expected: host:port)",
                "routes.default_pool: 'missing' is not a pool (pools: [spare])",
                "routes.static.alice@example.org: 'nowhere' is neither a pool [spare] nor host:port",
                "limits.max_line_bytes: 100 (expected: 32768 to 16777216)",
                "limits.max_literals: 'many' (expected: a whole number)",
                "timeouts.post_login_idle: 10m (expected: at least 30m)",
                "timeouts.login: 'soon' (expected: a duration such as 500ms, 30s, 31m, 1h)",
                "tls.certificate: missing (a listener uses TLS; expected: path to a PEM certificate chain)",
                "tls.key: missing (a listener uses TLS; expected: path to a PEM private key)");
        List<String> prefixes = List.of(
                "listeners[1].colour: unknown key (expected one of [",
                "extra: unknown key (expected one of [");
        for (String p : exact) {
            assertTrue(problems.contains(p), "missing «" + p + "» in " + problems);
        }
        for (String p : prefixes) {
            assertEquals(1, problems.stream().filter(x -> x.startsWith(p)).count(), "«" + p + "…» in " + problems);
        }
        assertEquals(exact.size() + prefixes.size(), problems.size(), "nothing else: " + problems);
        assertEquals(String.join("; ", problems), e.getMessage());
    }

    @Test
    void malformedYamlGivesLineAndColumn() throws IOException {
        ConfigException e = assertThrows(ConfigException.class, () -> load("""
                listeners:
                  - name: a
                    bind: "127.0.0.1:143
                greeting: x
                """));
        assertEquals(1, e.problems().size());
        String problem = e.problems().get(0);
        assertTrue(problem.startsWith(dir.resolve("postern.yaml") + ": malformed YAML at line "), problem);
        assertTrue(problem.matches(".*malformed YAML at line [3-5], column \\d+: .+"), problem);
    }

    @Test
    void badIndentationGivesTheLineItIsOn() {
        ConfigException e = assertThrows(ConfigException.class, () -> load("""
                listeners:
                  - name: a
                   bind: x
                """));
        assertTrue(e.problems().get(0).matches(".*malformed YAML at line 3, column \\d+: .+"), e.problems().toString());
    }

    @Test
    void duplicateKeysAreRefused() {
        ConfigException e = assertThrows(ConfigException.class, () -> load("""
                greeting: one
                greeting: two
                """));
        assertTrue(e.getMessage().contains("malformed YAML"), e.getMessage());
        assertTrue(e.getMessage().contains("greeting"), e.getMessage());
    }

    @Test
    void anEmptyFileNeedsListeners() throws Exception {
        ConfigException e = assertThrows(ConfigException.class, () -> load(""));
        assertEquals(List.of("listeners: missing (expected: at least one listener)"), e.problems());
    }

    @Test
    void theTopLevelMustBeAMapping() {
        ConfigException e = assertThrows(ConfigException.class, () -> load("- a\n- b\n"));
        assertEquals(List.of(dir.resolve("postern.yaml") + ": expected a mapping at the top level"), e.problems());
    }

    @Test
    void aMissingFileSaysSo() {
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(dir.resolve("nope.yaml")));
        assertTrue(e.getMessage().startsWith(dir.resolve("nope.yaml") + ": cannot read (NoSuchFileException"),
                e.getMessage());
    }

    @Test
    void listenersAreCheckedOneByOneAndAgainstEachOther() {
        ConfigException e = assertThrows(ConfigException.class, () -> load("""
                listeners:
                  - {name: a, bind: "127.0.0.1:143", tls: none}
                  - {name: a, bind: "127.0.0.1:143", tls: none}
                  - {name: c, bind: "0.0.0.0:144", tls: none, require_tls: true}
                  - {bind: "[::1]:145", tls: none}
                  - {name: e, tls: none}
                  - {name: f, bind: "::1:146", tls: none}
                  - {name: g, bind: "host:imap", tls: none}
                  - {name: h, bind: "host:147"}
                  - just a string
                tls: {certificate: c.pem, key: k.pem}
                """));
        assertEquals(List.of(
                "listeners[1].name: 'a' is used by another listener",
                "listeners[1].bind: 127.0.0.1:143 is used by another listener",
                "listeners[2].require_tls: true on a listener with tls: none can never be satisfied",
                "listeners[3].name: missing",
                "listeners[4].bind: missing (expected: host:port)",
                "listeners[5].bind: '::1:146' (expected: [ipv6]:port)",
                "listeners[6].bind: 'host:imap' (port is not a number)",
                "listeners[7].tls: missing (expected one of [implicit, starttls, none])",
                "listeners[8]: 'just a string' (expected: a mapping with name, bind, tls)"), e.problems());
    }

    @Test
    void proxyProtocolNamesItsBalancers() throws Exception {
        PosternConfig config = load("""
                listeners:
                  - {name: lb, bind: "127.0.0.1:0", tls: none, proxy_protocol: {trusted: ["10.0.0.0/24", "::1"]}}
                  - {name: direct, bind: "127.0.0.1:1", tls: none}
                timeouts: {proxy_header: 2s}
                """);
        assertEquals(List.of(Cidr.parse("10.0.0.0/24"), Cidr.parse("::1")),
                config.listeners().get(0).proxyProtocol().trusted());
        assertEquals(null, config.listeners().get(1).proxyProtocol(), "absent is off");
        assertEquals(Duration.ofSeconds(2), config.timeouts().proxyHeader());
        assertEquals(Duration.ofSeconds(5), TimeoutsConfig.DEFAULTS.proxyHeader());
        assertEquals(LoggingConfig.Format.TEXT, config.logging().format());
        assertEquals(LoggingConfig.Format.JSON, load("""
                listeners:
                  - {name: lb, bind: "127.0.0.1:0", tls: none}
                logging: {format: json}
                """).logging().format());

        ConfigException e = assertThrows(ConfigException.class, () -> load("""
                listeners:
                  - {name: a, bind: "127.0.0.1:143", tls: none, proxy_protocol: {trusted: []}}
                  - {name: b, bind: "127.0.0.1:144", tls: none, proxy_protocol: {}}
                  - {name: c, bind: "127.0.0.1:145", tls: none, proxy_protocol: {trusted: ["10.0.0.300"]}}
                  - {name: d, bind: "127.0.0.1:146", tls: none, proxy_protocol: {trusted: ["::1"], v2: true}}
                  - {name: e, bind: "127.0.0.1:147", tls: none, proxy_protocol: true}
                """));
        assertEquals(5, e.problems().size(), String.join("\n", e.problems()));
        assertTrue(e.problems().get(0).startsWith("listeners[0].proxy_protocol.trusted: no network"), e.problems().get(0));
        assertTrue(e.problems().get(1).startsWith("listeners[1].proxy_protocol.trusted: missing"), e.problems().get(1));
        assertTrue(e.problems().get(2).startsWith("listeners[2].proxy_protocol.trusted[0]: "), e.problems().get(2));
        assertTrue(e.problems().get(3).startsWith("listeners[3].proxy_protocol.v2: unknown key"), e.problems().get(3));
        assertTrue(e.problems().get(4).startsWith("listeners[4].proxy_protocol: "), e.problems().get(4));
    }

    @Test
    void sizesAndDurationsTakeUnits() throws Exception {
        PosternConfig config = load("""
                listeners: [{name: p, bind: "127.0.0.1:0", tls: none}]
                limits:
                  max_line_bytes: 1MiB
                  max_literal_bytes: 512k
                  max_pipelined_bytes: 4096
                  max_backend_line_bytes: 2 KB
                  failure_delay: 300ms
                  penalty: {max_delay: 1m, max_user_delay: 10s}
                timeouts:
                  tls_handshake: 500ms
                  pre_auth_idle: 2m
                  pre_auth: 90s
                  login: 1h
                  post_login_idle: 1d
                  shutdown_drain: 0s
                """);
        assertEquals(1024 * 1024, config.limits().maxLineBytes());
        assertEquals(512 * 1024, config.limits().maxLiteralBytes());
        assertEquals(4096, config.limits().maxPipelinedBytes());
        assertEquals(2048, config.limits().maxBackendLineBytes());
        assertEquals(Duration.ofMillis(300), config.limits().failureDelay());
        assertEquals(new PenaltyConfig(Duration.ofMinutes(1), Duration.ofMinutes(10), Duration.ofSeconds(10)),
                config.limits().penalty(), "window keeps its default");
        assertEquals(Duration.ofSeconds(90), config.timeouts().preAuth());
        assertEquals(Duration.ofMillis(500), config.timeouts().tlsHandshake());
        assertEquals(Duration.ofMinutes(2), config.timeouts().preAuthIdle());
        assertEquals(Duration.ofHours(1), config.timeouts().login());
        assertEquals(Duration.ofDays(1), config.timeouts().postLoginIdle());
        assertEquals(Duration.ZERO, config.timeouts().shutdownDrain());
    }

    @Test
    void postLoginIdleIsAtLeastThirtyMinutes() throws Exception {
        assertEquals(Duration.ofMinutes(30), load("""
                listeners: [{name: p, bind: "127.0.0.1:0", tls: none}]
                timeouts: {post_login_idle: 30m}
                """).timeouts().postLoginIdle());
        ConfigException e = assertThrows(ConfigException.class, () -> load("""
                listeners: [{name: p, bind: "127.0.0.1:0", tls: none}]
                timeouts: {post_login_idle: 29m}
                """));
        assertEquals(List.of("timeouts.post_login_idle: 29m (expected: at least 30m)"), e.problems());
    }

    @Test
    void badSizesAndDurationsAreNamed() {
        ConfigException e = assertThrows(ConfigException.class, () -> load("""
                listeners: [{name: p, bind: "127.0.0.1:0", tls: none}]
                limits:
                  max_line_bytes: 5GiB
                  max_literal_bytes: 0
                  max_commands: 1.5
                  max_login_attempts: 1001
                  penalty: {window: 0s, max_user_delay: -1s}
                timeouts:
                  pre_auth: 0s
                  login: 30 seconds
                  backend_connect: 0ms
                greeting: "two\\nlines"
                """));
        assertEquals(List.of(
                "greeting: must be non-empty printable text on one line",
                "limits.max_line_bytes: '5GiB' (expected: a size such as 65536, 64KiB or 5MiB)",
                "limits.max_literal_bytes: 0 (expected: 1 to 16777216)",
                "limits.max_commands: '1.5' (expected: a whole number)",
                "limits.max_login_attempts: 1001 (expected: 1 to 1000)",
                "limits.penalty.window: 0s (expected: at least 1s)",
                "limits.penalty.max_user_delay: '-1s' (expected: a duration such as 500ms, 30s, 31m, 1h)",
                "timeouts.pre_auth: 0s (expected: at least 1ms)",
                "timeouts.login: '30 seconds' (expected: a duration such as 500ms, 30s, 31m, 1h)",
                "timeouts.backend_connect: 0ms (expected: at least 1ms)"), e.problems());
    }

    @Test
    void poolsAndRoutesAreChecked() throws Exception {
        PosternConfig config = load("""
                listeners: [{name: p, bind: "127.0.0.1:0", tls: none}]
                pools:
                  main:
                    backends:
                      - "10.0.0.1:143"
                      - {address: "[2001:db8::1]:143", weight: 3}
                routes:
                  default_pool: main
                  static:
                    Alice@Example.org: main
                    bob@example.org: "10.0.0.9:143"
                """);
        PoolConfig main = config.pools().get("main");
        assertEquals(List.of(new HostPort("10.0.0.1", 143), new HostPort("2001:db8::1", 143)),
                main.backends().stream().map(BackendConfig::address).toList());
        assertEquals(List.of(1, 3), main.backends().stream().map(BackendConfig::weight).toList());
        // Keys stay as written; StaticRouteSource normalizes them with the login_names rules, like a login.
        assertEquals(Map.of("Alice@Example.org", "main", "bob@example.org", "10.0.0.9:143"),
                config.routes().staticRoutes());

        ConfigException e = assertThrows(ConfigException.class, () -> load("""
                listeners: [{name: p, bind: "127.0.0.1:0", tls: none}]
                pools:
                  empty: {backends: []}
                  heavy:
                    backends: [{address: "10.0.0.1:143", weight: 0}, {weight: 2}]
                  odd: "10.0.0.1:143"
                """));
        assertEquals(List.of(
                "pools.empty.backends: missing or empty (expected: a list of host:port)",
                "pools.heavy.backends[0].weight: 0 (expected: 1 to 10000)",
                "pools.heavy.backends[1].address: missing (expected: host:port)",
                "pools.odd: '10.0.0.1:143' (expected: a mapping with backends)"), e.problems());
    }

    @Test
    void tlsPathsResolveAgainstTheConfigFolder() throws Exception {
        PosternConfig config = load("""
                listeners: [{name: s, bind: "127.0.0.1:0", tls: implicit}]
                tls:
                  certificate: certs/../certs/server.crt
                  key: /etc/postern/server.key
                """);
        assertEquals(dir.resolve("certs/server.crt"), config.tls().certificate());
        assertEquals(Path.of("/etc/postern/server.key"), config.tls().key());
    }

    @Test
    void aListenerWithAnotherMistakeStillNeedsTlsFiles() {
        ConfigException e = assertThrows(ConfigException.class, () -> load("""
                listeners: [{name: s, bind: "nonsense", tls: implicit}]
                """));
        assertEquals(List.of("listeners[0].bind: 'nonsense' (expected: host:port)",
                "tls.certificate: missing (a listener uses TLS; expected: path to a PEM certificate chain)",
                "tls.key: missing (a listener uses TLS; expected: path to a PEM private key)"), e.problems());
    }

    private PosternConfig load(String yaml) throws IOException, ConfigException {
        Path file = dir.resolve("postern.yaml");
        Files.writeString(file, yaml);
        return ConfigLoader.load(file);
    }
}
