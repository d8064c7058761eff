package dev.postern.config;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;

/** Reads the YAML file into a {@link PosternConfig}, collecting every problem before failing. */
public final class ConfigLoader {

    private ConfigLoader() {
    }

    public static PosternConfig load(Path file) throws ConfigException {
        Path absolute = file.toAbsolutePath().normalize();
        Object root;
        try (Reader reader = Files.newBufferedReader(absolute, StandardCharsets.UTF_8)) {
            LoaderOptions options = new LoaderOptions();
            options.setAllowDuplicateKeys(false);
            root = new Yaml(new SafeConstructor(options)).load(reader);
        } catch (MarkedYAMLException e) {
            var mark = e.getProblemMark();
            String where = mark == null ? "" : " at line " + (mark.getLine() + 1) + ", column " + (mark.getColumn() + 1);
            throw new ConfigException(List.of(absolute + ": malformed YAML" + where + ": " + e.getProblem()));
        } catch (YAMLException e) {
            throw new ConfigException(List.of(absolute + ": malformed YAML: " + e.getMessage()));
        } catch (IOException e) {
            throw new ConfigException(List.of(absolute + ": cannot read (" + e.getClass().getSimpleName() + ": " + e.getMessage() + ")"));
        }
        if (root == null) {
            root = Map.of();
        }
        if (!(root instanceof Map<?, ?> map)) {
            throw new ConfigException(List.of(absolute + ": expected a mapping at the top level"));
        }
        List<String> problems = new ArrayList<>();
        PosternConfig config = read(new ConfigNode("", map, problems), absolute, problems);
        if (!problems.isEmpty()) {
            throw new ConfigException(problems);
        }
        return config;
    }

    private static PosternConfig read(ConfigNode root, Path source, List<String> problems) {
        root.rejectUnknownKeys(Set.of("listeners", "tls", "pools", "routes", "limits", "timeouts", "greeting"));
        Path base = source.getParent();
        List<ListenerConfig> listeners = listeners(root, problems);
        Map<String, PoolConfig> pools = pools(root, base);
        RoutesConfig routes = routes(root.child("routes"), pools, base);
        // From the raw entries, so a listener with another mistake still makes missing TLS files an error too.
        boolean needsTls = root.rawList("listeners").stream()
                .anyMatch(o -> o instanceof Map<?, ?> m && !"none".equalsIgnoreCase(String.valueOf(m.get("tls"))));
        TlsConfig tls = tls(root.child("tls"), base, needsTls);
        String greeting = root.string("greeting", "Postern ready.");
        if (greeting.isBlank() || greeting.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
            root.problem("greeting", "must be non-empty printable text on one line");
            greeting = "Postern ready.";
        }
        return new PosternConfig(listeners, tls, pools, routes, limits(root.child("limits")),
                timeouts(root.child("timeouts")), greeting, source);
    }

    private static List<ListenerConfig> listeners(ConfigNode root, List<String> problems) {
        List<Object> raw = root.list("listeners");
        if (raw.isEmpty() && !problems.stream().anyMatch(p -> p.startsWith("listeners"))) {
            root.problem("listeners", "missing (expected: at least one listener)");
        }
        List<ListenerConfig> out = new ArrayList<>();
        Set<String> names = new HashSet<>();
        Set<HostPort> binds = new HashSet<>();
        for (int i = 0; i < raw.size(); i++) {
            String path = "listeners[" + i + "]";
            if (!(raw.get(i) instanceof Map<?, ?> m)) {
                problems.add(path + ": " + ConfigNode.describe(raw.get(i)) + " (expected: a mapping with name, bind, tls)");
                continue;
            }
            ConfigNode node = new ConfigNode(path, m, problems);
            node.rejectUnknownKeys(Set.of("name", "bind", "tls", "require_tls", "alpn"));
            String name = node.string("name", null);
            if (name == null || name.isBlank()) {
                node.problem("name", "missing");
                name = path;
            } else if (!names.add(name)) {
                node.problem("name", "'" + name + "' is used by another listener");
            }
            HostPort bind = null;
            if (!node.has("bind")) {
                node.problem("bind", "missing (expected: host:port)");
            } else {
                bind = node.parsed("bind", node.string("bind", ""), HostPort::parse);
                if (bind != null && bind.port() != 0 && !binds.add(bind)) {
                    node.problem("bind", bind + " is used by another listener");
                }
            }
            if (!node.has("tls")) {
                node.problem("tls", "missing (expected one of [implicit, starttls, none])");
            }
            TlsMode tls = node.enumValue("tls", TlsMode.class, TlsMode.IMPLICIT);
            boolean requireTls = node.bool("require_tls", tls != TlsMode.NONE);
            if (requireTls && tls == TlsMode.NONE) {
                node.problem("require_tls", "true on a listener with tls: none can never be satisfied");
            }
            ListenerConfig.Alpn alpn = node.enumValue("alpn", ListenerConfig.Alpn.class, ListenerConfig.Alpn.OPTIONAL);
            if (alpn == ListenerConfig.Alpn.REQUIRED && tls == TlsMode.NONE) {
                node.problem("alpn", "required on a listener with tls: none can never be satisfied");
            }
            if (bind != null) {
                out.add(new ListenerConfig(name, bind, tls, requireTls, alpn));
            }
        }
        return out;
    }

    private static TlsConfig tls(ConfigNode node, Path base, boolean needed) {
        node.rejectUnknownKeys(Set.of("certificate", "key", "self_signed_if_missing", "certificates", "sni", "provider",
                "sessions", "reload_interval"));
        Path certificate = null;
        Path key = null;
        if (node.has("certificate")) {
            certificate = base.resolve(node.string("certificate", "")).normalize();
        } else if (needed) {
            node.problem("certificate", "missing (a listener uses TLS; expected: path to a PEM certificate chain)");
        }
        if (node.has("key")) {
            key = base.resolve(node.string("key", "")).normalize();
        } else if (needed) {
            node.problem("key", "missing (a listener uses TLS; expected: path to a PEM private key)");
        }
        List<TlsConfig.CertificatePair> extra = pairs(node, "certificates", base);
        List<TlsConfig.SniEntry> sni = new ArrayList<>();
        List<Object> rawSni = node.list("sni");
        for (int i = 0; i < rawSni.size(); i++) {
            String k = "sni[" + i + "]";
            if (!(rawSni.get(i) instanceof Map<?, ?> m)) {
                node.problem(k, ConfigNode.describe(rawSni.get(i)) + " (expected: {names: [...], certificate: ..., key: ...})");
                continue;
            }
            ConfigNode entry = node.nested(k, m);
            entry.rejectUnknownKeys(Set.of("names", "certificate", "key", "certificates"));
            List<String> names = new ArrayList<>();
            for (Object o : entry.list("names")) {
                String name = String.valueOf(o).strip().toLowerCase(Locale.ROOT);
                if (!name.matches("(\\*\\.)?[a-z0-9]([a-z0-9-]*[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*")) {
                    entry.problem("names", "'" + o + "' is not a host name or *.domain wildcard");
                } else {
                    names.add(name);
                }
            }
            if (names.isEmpty()) {
                entry.problem("names", "missing or empty");
            }
            List<TlsConfig.CertificatePair> certs = new ArrayList<>();
            if (entry.has("certificate") || entry.has("key")) {
                if (!entry.has("certificate") || !entry.has("key")) {
                    entry.problem("certificate", "certificate and key go together");
                } else {
                    certs.add(new TlsConfig.CertificatePair(base.resolve(entry.string("certificate", "")).normalize(),
                            base.resolve(entry.string("key", "")).normalize()));
                }
            }
            certs.addAll(pairs(entry, "certificates", base));
            if (certs.isEmpty()) {
                entry.problem("certificate", "missing (expected: certificate and key, or certificates: [...])");
            }
            sni.add(new TlsConfig.SniEntry(names, certs));
        }
        String provider = node.string("provider", "openssl").toLowerCase(Locale.ROOT);
        if (!provider.equals("openssl") && !provider.equals("jdk")) {
            node.problem("provider", "'" + provider + "' (expected one of [openssl, jdk])");
            provider = "openssl";
        }
        ConfigNode s = node.child("sessions");
        s.rejectUnknownKeys(Set.of("ticket_key_rotation", "cache_size", "cache_timeout"));
        TlsConfig.SessionConfig d = TlsConfig.SessionConfig.DEFAULTS;
        TlsConfig.SessionConfig sessions = new TlsConfig.SessionConfig(s.duration("ticket_key_rotation", d.ticketKeyRotation(), Duration.ofSeconds(1)),
                s.integer("cache_size", d.cacheSize(), 0, 10_000_000),
                s.duration("cache_timeout", d.cacheTimeout(), Duration.ofSeconds(1)));
        return new TlsConfig(certificate, key, node.bool("self_signed_if_missing", false), extra, sni, provider, sessions,
                node.duration("reload_interval", Duration.ofSeconds(5), Duration.ofMillis(10)));
    }

    /** A list of {certificate, key} pairs under {@code key}. */
    private static List<TlsConfig.CertificatePair> pairs(ConfigNode node, String key, Path base) {
        List<TlsConfig.CertificatePair> out = new ArrayList<>();
        List<Object> raw = node.list(key);
        for (int i = 0; i < raw.size(); i++) {
            String k = key + "[" + i + "]";
            if (!(raw.get(i) instanceof Map<?, ?> m)) {
                node.problem(k, ConfigNode.describe(raw.get(i)) + " (expected: {certificate: ..., key: ...})");
                continue;
            }
            ConfigNode pair = node.nested(k, m);
            pair.rejectUnknownKeys(Set.of("certificate", "key"));
            if (!pair.has("certificate") || !pair.has("key")) {
                pair.problem("certificate", "certificate and key are both required");
                continue;
            }
            out.add(new TlsConfig.CertificatePair(base.resolve(pair.string("certificate", "")).normalize(),
                    base.resolve(pair.string("key", "")).normalize()));
        }
        return out;
    }

    private static Map<String, PoolConfig> pools(ConfigNode root, Path base) {
        Map<String, PoolConfig> out = new LinkedHashMap<>();
        ConfigNode poolsNode = root.child("pools");
        for (Map.Entry<String, Object> e : root.entries("pools").entrySet()) {
            String name = e.getKey();
            if (!(e.getValue() instanceof Map<?, ?>)) {
                poolsNode.problem(name, ConfigNode.describe(e.getValue()) + " (expected: a mapping with backends)");
                continue;
            }
            ConfigNode pool = poolsNode.child(name);
            pool.rejectUnknownKeys(Set.of("backends", "health", "tls"));
            BackendTlsConfig tls = BackendTlsLoader.read(pool.child("tls"), base);
            List<Object> raw = pool.list("backends");
            List<BackendConfig> backends = new ArrayList<>();
            for (int i = 0; i < raw.size(); i++) {
                BackendConfig backend = backend(pool, "backends[" + i + "]", raw.get(i));
                if (backend != null) {
                    backends.add(backend);
                }
            }
            if (raw.isEmpty()) {
                pool.problem("backends", "missing or empty (expected: a list of host:port)");
            } else if (backends.size() == raw.size()) {
                out.put(name, new PoolConfig(name, backends, health(pool.child("health")), tls));
            }
        }
        BackendTlsLoader.checkSharedBackends(poolsNode, out);
        return out;
    }

    /** A backend is either "host:port" or {address: "host:port", weight: N}. */
    private static BackendConfig backend(ConfigNode pool, String key, Object raw) {
        if (raw instanceof Map<?, ?> m) {
            int before = pool.problemCount();
            ConfigNode node = pool.nested(key, m);
            node.rejectUnknownKeys(Set.of("address", "weight", "draining"));
            HostPort address = null;
            if (node.has("address")) {
                address = node.parsed("address", node.string("address", ""), HostPort::parse);
            } else {
                node.problem("address", "missing (expected: host:port)");
            }
            int weight = node.integer("weight", 1, 1, 10_000);
            boolean draining = node.bool("draining", false);
            return address == null || pool.problemCount() > before ? null : new BackendConfig(address, weight, draining);
        }
        HostPort address = pool.parsed(key, raw, HostPort::parse);
        return address == null ? null : new BackendConfig(address, 1);
    }

    private static HealthConfig health(ConfigNode node) {
        HealthConfig d = HealthConfig.DEFAULTS;
        node.rejectUnknownKeys(Set.of("enabled", "interval", "timeout", "rise", "fall"));
        return new HealthConfig(node.bool("enabled", d.enabled()),
                node.duration("interval", d.interval(), Duration.ofMillis(100)),
                node.duration("timeout", d.timeout(), Duration.ofMillis(10)),
                node.integer("rise", d.rise(), 1, 100), node.integer("fall", d.fall(), 1, 100));
    }

    private static RoutesConfig routes(ConfigNode node, Map<String, PoolConfig> pools, Path base) {
        node.rejectUnknownKeys(Set.of("default_pool", "static", "sources", "cache", "login_names"));
        String defaultPool = node.string("default_pool", null);
        if (defaultPool != null && !pools.containsKey(defaultPool)) {
            node.problem("default_pool", "'" + defaultPool + "' is not a pool (pools: " + pools.keySet() + ")");
        }
        LoginNameConfig names = loginNames(node.child("login_names"));
        Map<String, String> statics = new LinkedHashMap<>();
        ConfigNode staticNode = node.child("static");
        for (Map.Entry<String, Object> e : node.entries("static").entrySet()) {
            String target = String.valueOf(e.getValue());
            String problem = RouteTargets.check(target, pools.keySet());
            if (problem != null) {
                staticNode.problem(e.getKey(), problem);
                continue;
            }
            // Normalized later with the configured login_names rules, exactly like a login.
            statics.put(e.getKey(), target);
        }
        List<RouteSourceConfig> sources = RouteSourcesLoader.sources(node, pools.keySet(), base);
        ConfigNode cache = node.child("cache");
        RoutesConfig.CacheConfig d = RoutesConfig.CacheConfig.DEFAULTS;
        cache.rejectUnknownKeys(Set.of("enabled", "ttl", "negative_ttl", "refresh", "max_entries"));
        RoutesConfig.CacheConfig cacheConfig = new RoutesConfig.CacheConfig(cache.bool("enabled", d.enabled()),
                cache.duration("ttl", d.ttl(), Duration.ZERO),
                cache.duration("negative_ttl", d.negativeTtl(), Duration.ZERO),
                cache.duration("refresh", d.refresh(), Duration.ofMillis(1)),
                cache.integer("max_entries", (int) d.maxEntries(), 1, 100_000_000));
        return new RoutesConfig(defaultPool, statics, sources, cacheConfig, names);
    }

    private static LoginNameConfig loginNames(ConfigNode node) {
        node.rejectUnknownKeys(Set.of("lowercase", "default_domain", "strip_domains", "send_normalized"));
        LoginNameConfig d = LoginNameConfig.DEFAULTS;
        List<String> strip = new ArrayList<>();
        for (Object o : node.list("strip_domains")) {
            strip.add(String.valueOf(o).strip());
        }
        String domain = node.string("default_domain", null);
        if (domain != null && (domain.isBlank() || domain.contains("@"))) {
            node.problem("default_domain", "'" + domain + "' (expected: a domain such as example.org)");
            domain = null;
        }
        return new LoginNameConfig(node.bool("lowercase", d.lowercase()), domain, strip,
                node.bool("send_normalized", d.sendNormalized()));
    }

    private static LimitsConfig limits(ConfigNode node) {
        LimitsConfig d = LimitsConfig.DEFAULTS;
        node.rejectUnknownKeys(Set.of("max_line_bytes", "max_literal_bytes", "max_literals", "max_commands",
                "max_bad_commands", "max_login_attempts", "max_pipelined_bytes", "max_backend_line_bytes"));
        // 32 KiB is the floor: a full RFC 2971 ID command (30 pairs of 30 + 1024 octets) must fit in one line.
        return new LimitsConfig(
                node.bytes("max_line_bytes", d.maxLineBytes(), 32_768, 16 * 1024 * 1024),
                node.bytes("max_literal_bytes", d.maxLiteralBytes(), 1, 16 * 1024 * 1024),
                node.integer("max_literals", d.maxLiterals(), 1, 1000),
                node.integer("max_commands", d.maxCommands(), 1, 1_000_000),
                node.integer("max_bad_commands", d.maxBadCommands(), 1, 1_000_000),
                node.integer("max_login_attempts", d.maxLoginAttempts(), 1, 1000),
                node.bytes("max_pipelined_bytes", d.maxPipelinedBytes(), 1024, 64 * 1024 * 1024),
                node.bytes("max_backend_line_bytes", d.maxBackendLineBytes(), 1024, 16 * 1024 * 1024));
    }

    private static TimeoutsConfig timeouts(ConfigNode node) {
        TimeoutsConfig d = TimeoutsConfig.DEFAULTS;
        node.rejectUnknownKeys(Set.of("tls_handshake", "pre_auth_idle", "login", "backend_connect", "backend_login",
                "post_login_idle", "shutdown_drain"));
        Duration ms = Duration.ofMillis(1);
        return new TimeoutsConfig(
                node.duration("tls_handshake", d.tlsHandshake(), ms),
                node.duration("pre_auth_idle", d.preAuthIdle(), ms),
                node.duration("login", d.login(), ms),
                node.duration("backend_connect", d.backendConnect(), ms),
                node.duration("backend_login", d.backendLogin(), ms),
                node.duration("post_login_idle", d.postLoginIdle(), TimeoutsConfig.MIN_POST_LOGIN_IDLE),
                node.duration("shutdown_drain", d.shutdownDrain(), Duration.ZERO));
    }
}
