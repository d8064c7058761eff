package dev.postern.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.postern.testing.TestSecrets;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** {@code pools:} and {@code routes:} as the YAML gives them, and every mistake in them named by its key path. */
class ConfigLoaderRoutingTest {
    private static final String BIND_PASSWORD = TestSecrets.register("ld4p-Config-Secret");
    private static final String LISTENERS = """
            listeners:
              - {name: plain, bind: "127.0.0.1:0", tls: none}
            """;
    /** A pool every error case can name. */
    private static final String POOLS = """
            pools:
              main:
                backends: ["10.0.0.1:143"]
            """;

    @TempDir
    Path dir;

    private PosternConfig load(String yaml) throws Exception {
        Path file = dir.resolve("postern.yaml");
        Files.writeString(file, yaml, StandardCharsets.UTF_8);
        return ConfigLoader.load(file);
    }

    private List<String> problems(String yaml) {
        return assertThrows(ConfigException.class, () -> load(yaml)).problems();
    }

    @Test
    void poolsRoutesSourcesCacheAndLoginNamesLoadIntoTheirRecords() throws Exception {
        PosternConfig config = load(LISTENERS + """
                pools:
                  main:
                    backends:
                      - "10.0.0.1:143"
                      - {address: "10.0.0.2:143", weight: 2}
                      - {address: "10.0.0.3:143", draining: true}
                    health: {enabled: true, interval: 2s, timeout: 500ms, rise: 3, fall: 1}
                  archive:
                    backends: ["10.0.1.1:10143"]
                    health: {enabled: false}
                routes:
                  default_pool: main
                  static:
                    Boss@Example.org: archive
                    ops@example.org: "10.9.9.9:143"
                  login_names:
                    lowercase: true
                    default_domain: example.org
                    strip_domains: [old.example, legacy.example]
                    send_normalized: true
                  cache: {enabled: true, ttl: 10m, negative_ttl: 20s, refresh: 2m, max_entries: 5000}
                  sources:
                    - type: file
                      path: routes/users.csv
                      check_interval: 500ms
                    - type: rules
                      rules:
                        - {domain: EU.example.org, to: archive}
                        - {match: '([a-z]+)@(mx\\d+)\\.example\\.net', to: '$2.internal:143'}
                        - {match: 'vip-.*', to: '10.0.0.9:143'}
                    - type: HTTP
                      url: http://127.0.0.1:8080/auth
                      timeout: 2s
                      send_password: true
                      headers: {X-Postern-Instance: edge-1}
                      max_concurrent: 64
                    - type: ldap
                      url: ldap://127.0.0.1:389
                      urls: ["ldaps://ldap2.example.org"]
                      bind_dn: cn=postern,dc=example,dc=org
                      bind_password: %s
                      base_dn: dc=example,dc=org
                      filter: (mail=%%u)
                      attribute: mailRoutingHost
                      default_port: 10143
                      pool_size: 8
                      timeout: 1s
                      threads: 3
                      queue: 50
                """.formatted(BIND_PASSWORD));

        HostPort a = HostPort.parse("10.0.0.1:143");
        HostPort b = HostPort.parse("10.0.0.2:143");
        HostPort c = HostPort.parse("10.0.0.3:143");
        PoolConfig main = config.pools().get("main");
        assertEquals("main", main.name());
        assertEquals(List.of(a, b, c), main.backends().stream().map(BackendConfig::address).toList());
        assertEquals(List.of(1, 2, 1), main.backends().stream().map(BackendConfig::weight).toList());
        assertEquals(List.of(false, false, true), main.backends().stream().map(BackendConfig::draining).toList());
        HealthConfig health = main.health();
        assertEquals(true, health.enabled());
        assertEquals(Duration.ofSeconds(2), health.interval());
        assertEquals(Duration.ofMillis(500), health.timeout());
        assertEquals(3, health.rise());
        assertEquals(1, health.fall());
        PoolConfig archive = config.pools().get("archive");
        assertEquals(List.of(HostPort.parse("10.0.1.1:10143")), archive.backends().stream().map(BackendConfig::address).toList());
        assertEquals(HealthConfig.of(Map.of("enabled", false)), archive.health(), "the other health keys keep their defaults");
        assertEquals(List.of("main", "archive"), List.copyOf(config.pools().keySet()), "the file's order");

        RoutesConfig routes = config.routes();
        assertEquals("main", routes.defaultPool());
        // Keys stay as written; StaticRouteSource normalizes them with the login_names rules, like a login.
        assertEquals(Map.of("Boss@Example.org", "archive", "ops@example.org", "10.9.9.9:143"), routes.staticRoutes());
        LoginNameConfig names = routes.loginNames();
        assertEquals(true, names.lowercase());
        assertEquals("example.org", names.defaultDomain());
        assertEquals(List.of("old.example", "legacy.example"), names.stripDomains());
        assertEquals(true, names.sendNormalized());
        RoutesConfig.CacheConfig cache = routes.cache();
        assertEquals(true, cache.enabled());
        assertEquals(Duration.ofMinutes(10), cache.ttl());
        assertEquals(Duration.ofSeconds(20), cache.negativeTtl());
        assertEquals(Duration.ofMinutes(2), cache.refresh());
        assertEquals(5000, cache.maxEntries());

        assertEquals(4, routes.sources().size());
        RouteSourceConfig.File file = assertInstanceOf(RouteSourceConfig.File.class, routes.sources().get(0));
        assertEquals(dir.resolve("routes/users.csv"), file.path(), "resolved against the config file's folder");
        assertEquals(Duration.ofMillis(500), file.checkInterval());

        RouteSourceConfig.Rules rules = assertInstanceOf(RouteSourceConfig.Rules.class, routes.sources().get(1));
        assertEquals(3, rules.rules().size());
        RouteSourceConfig.Rule domain = rules.rules().get(0);
        assertEquals("eu.example.org", domain.domain());
        assertNull(domain.pattern());
        assertEquals("archive", domain.target());
        RouteSourceConfig.Rule regex = rules.rules().get(1);
        assertNull(regex.domain());
        assertEquals("([a-z]+)@(mx\\d+)\\.example\\.net", regex.pattern().pattern());
        assertEquals("$2.internal:143", regex.target());
        assertEquals("vip-.*", rules.rules().get(2).pattern().pattern());

        RouteSourceConfig.Http http = assertInstanceOf(RouteSourceConfig.Http.class, routes.sources().get(2));
        assertEquals(URI.create("http://127.0.0.1:8080/auth"), http.url());
        assertEquals(Duration.ofSeconds(2), http.timeout());
        assertEquals(true, http.sendPassword());
        assertEquals(Map.of("X-Postern-Instance", "edge-1"), http.headers());
        assertEquals(64, http.maxConcurrent());

        RouteSourceConfig.Ldap ldap = assertInstanceOf(RouteSourceConfig.Ldap.class, routes.sources().get(3));
        assertEquals(List.of(URI.create("ldap://127.0.0.1:389"), URI.create("ldaps://ldap2.example.org")), ldap.urls());
        assertEquals("cn=postern,dc=example,dc=org", ldap.bindDn());
        assertEquals(BIND_PASSWORD, ldap.bindPassword());
        assertEquals("dc=example,dc=org", ldap.baseDn());
        assertEquals("(mail=%u)", ldap.filter());
        assertEquals("mailRoutingHost", ldap.attribute());
        assertEquals(10143, ldap.defaultPort());
        assertEquals(8, ldap.poolSize());
        assertEquals(Duration.ofSeconds(1), ldap.timeout());
        assertEquals(3, ldap.threads());
        assertEquals(50, ldap.queue());
        assertTrue(!ldap.toString().contains(BIND_PASSWORD), "the bind password shows in toString()");
    }

    @Test
    void unsetKeysGetTheirDefaults() throws Exception {
        PosternConfig config = load(LISTENERS + POOLS + """
                routes:
                  sources:
                    - {type: file, path: routes.yaml}
                    - {type: http, url: "https://auth.example.org/mail"}
                    - {type: ldap, url: "ldap://127.0.0.1", base_dn: "dc=example,dc=org"}
                """);
        RoutesConfig routes = config.routes();
        assertNull(routes.defaultPool());
        assertEquals(RoutesConfig.CacheConfig.DEFAULTS, routes.cache());
        assertEquals(LoginNameConfig.DEFAULTS, routes.loginNames());
        assertEquals(RoutesConfig.UnlistedTargets.DEFAULTS, routes.unlistedTargets());
        assertEquals(TlsMode.NONE, routes.unlistedTargets().tls().mode());
        assertEquals(HealthConfig.DEFAULTS, config.pools().get("main").health());
        RouteSourceConfig.File file = assertInstanceOf(RouteSourceConfig.File.class, routes.sources().get(0));
        assertEquals(dir.resolve("routes.yaml"), file.path());
        assertEquals(Duration.ofSeconds(2), file.checkInterval());
        RouteSourceConfig.Http http = assertInstanceOf(RouteSourceConfig.Http.class, routes.sources().get(1));
        assertEquals(URI.create("https://auth.example.org/mail"), http.url());
        assertEquals(Duration.ofSeconds(5), http.timeout());
        assertEquals(false, http.sendPassword());
        assertEquals(Map.of(), http.headers());
        assertEquals(256, http.maxConcurrent());
        RouteSourceConfig.Ldap ldap = assertInstanceOf(RouteSourceConfig.Ldap.class, routes.sources().get(2));
        assertEquals(List.of(URI.create("ldap://127.0.0.1")), ldap.urls());
        assertNull(ldap.bindDn());
        assertNull(ldap.bindPassword());
        assertEquals("dc=example,dc=org", ldap.baseDn());
        assertEquals("(uid=%u)", ldap.filter());
        assertEquals("mailHost", ldap.attribute());
        assertEquals(143, ldap.defaultPort());
        assertEquals(4, ldap.poolSize());
        assertNull(ldap.ca());
        assertEquals(false, ldap.startTls());
        assertEquals(Duration.ofSeconds(3), ldap.timeout());
        assertEquals(4, ldap.threads());
        assertEquals(1000, ldap.queue());
    }

    @Test
    void sourcesKeepTheirConfiguredOrder() throws Exception {
        PosternConfig config = load(LISTENERS + POOLS + """
                routes:
                  sources:
                    - {type: ldap, url: "ldap://127.0.0.1", base_dn: "dc=example,dc=org"}
                    - {type: rules, rules: [{domain: example.org, to: main}]}
                    - {type: file, path: a.csv}
                    - {type: http, url: "http://127.0.0.1:1/"}
                """);
        assertEquals(List.of(RouteSourceConfig.Ldap.class, RouteSourceConfig.Rules.class, RouteSourceConfig.File.class,
                RouteSourceConfig.Http.class), config.routes().sources().stream().map(Object::getClass).toList());
    }

    @Test
    void unlistedTargetsAreRefusedOrGetTlsSettingsLikeAPools() throws Exception {
        assertEquals(RoutesConfig.UnlistedTargets.REFUSE,
                load(LISTENERS + POOLS + "routes: {unlisted_targets: refuse}\n").routes().unlistedTargets());
        RoutesConfig.UnlistedTargets tls = load(LISTENERS + POOLS
                + "routes: {unlisted_targets: {tls: starttls, verify_hostname: false, protocols: [TLSv1.3]}}\n")
                .routes().unlistedTargets();
        assertEquals(false, tls.refuse());
        assertEquals(BackendTlsConfig.of(Map.of("mode", "starttls", "verify_hostname", false,
                "protocols", List.of("TLSv1.3"))), tls.tls());
        assertEquals(RoutesConfig.UnlistedTargets.DEFAULTS,
                load(LISTENERS + POOLS + "routes: {unlisted_targets: {tls: none}}\n").routes().unlistedTargets());
    }

    @Test
    void anLdapSourceTakesAPrivateCaAndStartTls() throws Exception {
        Path ca = dev.postern.testing.TestPki.ca(dir, "ldap-ca", "LDAP CA").certificateFile();
        RouteSourceConfig.Ldap ldap = assertInstanceOf(RouteSourceConfig.Ldap.class, load(LISTENERS + POOLS
                + "routes: {sources: [{type: ldap, url: 'ldap://dir.example.org', base_dn: 'dc=x', ca: " + ca.getFileName()
                + ", start_tls: true}]}\n").routes().sources().get(0));
        assertEquals(ca, ldap.ca());
        assertEquals(true, ldap.startTls());
        List<String> problems = problems(LISTENERS + POOLS
                + "routes: {sources: [{type: ldap, url: 'ldap://dir.example.org', base_dn: 'dc=x', ca: " + ca.getFileName()
                + "}]}\n");
        assertTrue(problems.contains("routes.sources[0].ca: has no effect without TLS (expected: ldaps:// URLs or "
                + "start_tls: true)"), problems.toString());
    }

    static Stream<Arguments> mistakes() {
        return Stream.of(
                // routes.sources: the shape of the list
                mistake("routes: {sources: {type: file}}", "routes.sources: a mapping (expected: a list)"),
                mistake("routes: {sources: [file]}", "routes.sources[0]: 'file' (expected: a mapping with a type)"),
                mistake("routes: {sources: [{type: redis}]}", "routes.sources[0].type: 'redis' (expected one of [file, rules, http, ldap])"),
                mistake("routes: {sources: [{path: a.csv}]}", "routes.sources[0].type: '' (expected one of [file, rules, http, ldap])"),
                // file
                mistake("routes: {sources: [{type: file}]}", "routes.sources[0].path: missing (expected: a .yaml or .csv routes file)"),
                mistake("routes: {sources: [{type: file, path: users.txt}]}", "routes.sources[0].path: 'users.txt' (expected: a .yaml, .yml or .csv file)"),
                mistake("routes: {sources: [{type: file, path: a.csv, check_interval: soon}]}",
                        "routes.sources[0].check_interval: 'soon' (expected: a duration such as 500ms, 30s, 31m, 1h)"),
                mistake("routes: {sources: [{type: file, path: a.csv, check_interval: 5ms}]}",
                        "routes.sources[0].check_interval: 5ms (expected: at least 10ms)"),
                mistake("routes: {sources: [{type: file, path: a.csv, interval: 1s}]}",
                        "routes.sources[0].interval: unknown key (expected one of [check_interval, path, type])"),
                // rules
                mistake("routes: {sources: [{type: file, path: a.csv}, {type: rules, rules: [{match: '(unclosed', to: main}]}]}",
                        "routes.sources[1].rules[0].match: not a regular expression: Unclosed group"),
                mistake("routes: {sources: [{type: rules, rules: [{domain: example.org, match: '.*', to: main}]}]}",
                        "routes.sources[0].rules[0].domain: give exactly one of domain or match"),
                mistake("routes: {sources: [{type: rules, rules: [{to: main}]}]}",
                        "routes.sources[0].rules[0].domain: give exactly one of domain or match"),
                mistake("routes: {sources: [{type: rules, rules: [{domain: example.org}]}]}",
                        "routes.sources[0].rules[0].to: missing (expected: a pool name or host:port)"),
                mistake("routes: {sources: [{type: rules, rules: [{domain: example.org, to: nowhere}]}]}",
                        "routes.sources[0].rules[0].to: 'nowhere' is neither a pool [main] nor host:port"),
                mistake("routes: {sources: [{type: rules, rules: [{match: 'a.*', to: nowhere}]}]}",
                        "routes.sources[0].rules[0].to: 'nowhere' is neither a pool [main] nor host:port"),
                mistake("routes: {sources: [{type: rules, rules: [{domain: example.org, to: main, pool: x}]}]}",
                        "routes.sources[0].rules[0].pool: unknown key"),
                mistake("routes: {sources: [{type: rules, rules: [example.org]}]}",
                        "routes.sources[0].rules[0]: 'example.org' (expected: {domain: ..., to: ...} or {match: ..., to: ...})"),
                mistake("routes: {sources: [{type: rules}]}", "routes.sources[0].rules: missing or empty"),
                mistake("routes: {sources: [{type: rules, rules: []}]}", "routes.sources[0].rules: missing or empty"),
                // http
                mistake("routes: {sources: [{type: file, path: a.csv}, {type: rules, rules: [{domain: x.org, to: main}]},"
                        + " {type: http, url: 'ftp://auth.example.org/'}]}", "routes.sources[2].url: 'ftp://auth.example.org/' (expected: "),
                mistake("routes: {sources: [{type: http}]}", "routes.sources[0].url: missing"),
                mistake("routes: {sources: [{type: http, url: 'http://exa mple/'}]}", "routes.sources[0].url: 'http://exa mple/' is not a URL"),
                mistake("routes: {sources: [{type: http, url: '/auth'}]}", "routes.sources[0].url: '/auth' (expected: "),
                mistake("routes: {sources: [{type: http, url: 'http://a/', timeout: 0ms}]}",
                        "routes.sources[0].timeout: 0ms (expected: at least 1ms)"),
                mistake("routes: {sources: [{type: http, url: 'http://a/', send_password: yes please}]}",
                        "routes.sources[0].send_password: 'yes please' (expected: true or false)"),
                mistake("routes: {sources: [{type: http, url: 'http://a/', headers: {'X Bad': 1}}]}",
                        "routes.sources[0].headers: 'X Bad' is not a valid header name/value"),
                mistake("routes: {sources: [{type: http, url: 'http://a/', headers: {Host: auth.example.org}}]}",
                        "routes.sources[0].headers.Host: restricted header (the HTTP client sets it itself)"),
                mistake("routes: {sources: [{type: http, url: 'http://a/', headers: {X-A: a, connection: close}}]}",
                        "routes.sources[0].headers.connection: restricted header"),
                mistake("routes: {sources: [{type: http, url: 'http://a/', headers: {Content-Length: 0}}]}",
                        "routes.sources[0].headers.Content-Length: restricted header"),
                mistake("routes: {sources: [{type: http, url: 'http://a/', headers: {Expect: 100-continue}}]}",
                        "routes.sources[0].headers.Expect: restricted header"),
                mistake("routes: {sources: [{type: http, url: 'http://a/', headers: {Upgrade: h2c}}]}",
                        "routes.sources[0].headers.Upgrade: restricted header"),
                mistake("routes: {sources: [{type: http, url: 'http://a/', headers: {auth-user: admin}}]}",
                        "routes.sources[0].headers.auth-user: set by Postern on every request"),
                mistake("routes: {sources: [{type: http, url: 'http://a/', headers: [X-A]}]}",
                        "routes.sources[0].headers: a list (expected: a mapping)"),
                mistake("routes: {sources: [{type: http, url: 'http://a/', max_concurrent: 0}]}",
                        "routes.sources[0].max_concurrent: 0 (expected: 1 to 100000)"),
                mistake("routes: {sources: [{type: http, url: 'http://a/', password: x}]}",
                        "routes.sources[0].password: unknown key"),
                // ldap
                mistake("routes: {sources: [{type: ldap, base_dn: 'dc=x'}]}", "routes.sources[0].url: missing (expected: ldap://host[:port])"),
                mistake("routes: {sources: [{type: ldap, url: 'http://x/', base_dn: 'dc=x'}]}", "routes.sources[0].url: 'http://x/' (expected: "),
                mistake("routes: {sources: [{type: ldap, urls: ['http://x/'], base_dn: 'dc=x'}]}",
                        "routes.sources[0].urls: 'http://x/' (expected: ldap://host[:port] or ldaps://host[:port])"),
                mistake("routes: {sources: [{type: ldap, url: 'ldap://x'}]}", "routes.sources[0].base_dn: missing"),
                mistake("routes: {sources: [{type: ldap, url: 'ldap://x', base_dn: 'dc=x', filter: '(uid=alice)'}]}",
                        "routes.sources[0].filter: '(uid=alice)' uses neither %u nor %l (expected e.g. (mail=%u))"),
                mistake("routes: {sources: [{type: ldap, url: 'ldap://x', base_dn: 'dc=x', bind_dn: 'cn=a'}]}",
                        "routes.sources[0].bind_dn: bind_dn and bind_password go together"),
                mistake("routes: {sources: [{type: ldap, url: 'ldap://x', base_dn: 'dc=x', threads: 0}]}",
                        "routes.sources[0].threads: 0 (expected: 1 to 1000)"),
                mistake("routes: {sources: [{type: ldap, url: 'ldap://x', base_dn: 'dc=x', default_port: 70000}]}",
                        "routes.sources[0].default_port: 70000 (expected: 1 to 65535)"),
                mistake("routes: {sources: [{type: ldap, url: 'ldaps://x', base_dn: 'dc=x', start_tls: true}]}",
                        "routes.sources[0].start_tls: true has no effect: every URL is ldaps://"),
                mistake("routes: {sources: [{type: ldap, url: 'ldap://x', base_dn: 'dc=x', start_tls: maybe}]}",
                        "routes.sources[0].start_tls: 'maybe' (expected: true or false)"),
                mistake("routes: {sources: [{type: ldap, url: 'ldaps://x', base_dn: 'dc=x', ca: missing-ca.pem}]}",
                        "routes.sources[0].ca: "),
                mistake("routes: {sources: [{type: ldap, url: 'ldap://x', base_dn: 'dc=x', search_base: 'dc=y'}]}",
                        "routes.sources[0].search_base: unknown key"),
                // pools
                mistake("pools: {main: {backends: ['10.0.0.1:143'], health: {rise: 0}}}", "pools.main.health.rise: 0 (expected: 1 to 100)"),
                mistake("pools: {main: {backends: ['10.0.0.1:143'], health: {fall: two}}}", "pools.main.health.fall: 'two' (expected: a whole number)"),
                mistake("pools: {main: {backends: ['10.0.0.1:143'], health: {interval: 10ms}}}",
                        "pools.main.health.interval: 10ms (expected: at least 100ms)"),
                mistake("pools: {main: {backends: ['10.0.0.1:143'], health: {enabled: sometimes}}}",
                        "pools.main.health.enabled: 'sometimes' (expected: true or false)"),
                mistake("pools: {main: {backends: ['10.0.0.1:143'], health: {retries: 3}}}", "pools.main.health.retries: unknown key"),
                mistake("pools: {main: {backends: ['10.0.0.1:143'], health: 5s}}", "pools.main.health: '5s' (expected: a mapping)"),
                mistake("pools: {main: {backends: ['10.0.0.1:143', {address: '10.0.0.2:143', weight: 0}]}}",
                        "pools.main.backends[1].weight: 0 (expected: 1 to 10000)"),
                mistake("pools: {main: {backends: [{address: '10.0.0.2:143', weight: 1.5}]}}",
                        "pools.main.backends[0].weight: '1.5' (expected: a whole number)"),
                mistake("pools: {main: {backends: [nohostport]}}", "pools.main.backends[0]: 'nohostport' (expected: host:port)"),
                mistake("pools: {main: {backends: [{weight: 2}]}}", "pools.main.backends[0].address: missing (expected: host:port)"),
                mistake("pools: {main: {backends: [{address: '10.0.0.2:143', draining: maybe}]}}",
                        "pools.main.backends[0].draining: 'maybe' (expected: true or false)"),
                mistake("pools: {main: {backends: []}}", "pools.main.backends: missing or empty (expected: a list of host:port)"),
                // routes
                mistake("routes: {default_pool: nope}", "routes.default_pool: 'nope' is not a pool (pools: [main])"),
                mistake("routes: {static: {alice@example.org: nowhere}}",
                        "routes.static.alice@example.org: 'nowhere' is neither a pool [main] nor host:port"),
                mistake("routes: {cache: {ttl: 5 minutes}}", "routes.cache.ttl: '5 minutes' (expected: a duration"),
                mistake("routes: {cache: {refresh: 0ms}}", "routes.cache.refresh: 0ms (expected: at least 1ms)"),
                mistake("routes: {cache: {max_entries: 0}}", "routes.cache.max_entries: 0 (expected: 1 to 100000000)"),
                mistake("routes: {cache: {size: 10}}", "routes.cache.size: unknown key"),
                mistake("routes: {login_names: {default_domain: '@example.org'}}",
                        "routes.login_names.default_domain: '@example.org' (expected: a domain such as example.org)"),
                mistake("routes: {login_names: {strip_domains: example.org}}",
                        "routes.login_names.strip_domains: 'example.org' (expected: a list)"),
                mistake("routes: {login_names: {lowercase: yes please}}",
                        "routes.login_names.lowercase: 'yes please' (expected: true or false)"),
                mistake("routes: {unlisted_targets: sometimes}", "routes.unlisted_targets: 'sometimes' (expected: refuse, "
                        + "or a mapping such as {tls: implicit, ca: ca.pem})"),
                mistake("routes: {unlisted_targets: {tls: maybe}}", "routes.unlisted_targets.tls: 'maybe'"),
                mistake("routes: {unlisted_targets: {mode: implicit}}", "routes.unlisted_targets.mode: unknown key"),
                mistake("routes: {unlisted_targets: {insecure: true}}",
                        "routes.unlisted_targets.insecure: has no effect while tls is none (expected: tls: implicit or starttls)"),
                mistake("routes: {unlisted_targets: {tls: implicit, ca: missing.pem}}", "routes.unlisted_targets.ca: "),
                mistake("routes: {sourcs: []}", "routes.sourcs: unknown key"));
    }

    private static Arguments mistake(String yaml, String problem) {
        return Arguments.of(yaml, problem);
    }

    @ParameterizedTest(name = "{1}")
    @MethodSource("mistakes")
    void everyMistakeIsReportedWithItsKeyPath(String yaml, String expected) {
        // The mistake replaces the valid section of the same name.
        String pools = yaml.startsWith("pools:") ? "" : POOLS;
        List<String> problems = problems(LISTENERS + pools + yaml + "\n");
        assertTrue(problems.stream().anyMatch(p -> p.startsWith(expected)),
                "expected a problem starting with\n  " + expected + "\ngot\n  " + String.join("\n  ", problems));
    }

    @Test
    void everyMistakeInOneFileIsReportedInOnePass() {
        List<String> problems = problems(LISTENERS + """
                pools:
                  main:
                    backends: ["10.0.0.1:143"]
                    health: {rise: 0}
                routes:
                  sources:
                    - {type: redis}
                    - {type: rules, rules: [{match: '[', to: main}]}
                    - {type: http, url: 'gopher://x/'}
                    - {type: ldap, url: 'ldap://x'}
                  cache: {ttl: forever}
                """);
        for (String expected : List.of("pools.main.health.rise:", "routes.sources[0].type:", "routes.sources[1].rules[0].match:",
                "routes.sources[2].url:", "routes.sources[3].base_dn:", "routes.cache.ttl:")) {
            assertTrue(problems.stream().anyMatch(p -> p.startsWith(expected)), expected + " not in " + problems);
        }
        assertEquals(6, problems.size(), String.join("\n", problems));
    }

    @Test
    void aProblemNeverShowsTheLdapBindPassword() {
        List<String> problems = problems(LISTENERS + POOLS + """
                routes:
                  sources:
                    - {type: ldap, url: 'ldap://x', bind_password: %s}
                """.formatted(BIND_PASSWORD));
        assertTrue(problems.stream().noneMatch(p -> p.contains(BIND_PASSWORD)), "a problem shows the bind password");
    }
}
