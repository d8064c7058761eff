package dev.postern.config;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;

/** Reads the YAML file into a {@link PosternConfig}, collecting every problem before failing. */
public final class ConfigLoader {
    /** Text after {@code * OK [CAPABILITY ...]}: one printable line. */
    private static final ConfigKey<String> GREETING = ConfigKey.text("greeting", "Postern ready.",
            g -> g.isBlank() || g.chars().anyMatch(c -> c < 0x20 || c == 0x7f)
                    ? "must be non-empty printable text on one line" : null);

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
        PosternConfig config = read(new ConfigNode("", map, problems, absolute.getParent()), absolute);
        if (!problems.isEmpty()) {
            throw new ConfigException(problems);
        }
        return config;
    }

    private static PosternConfig read(ConfigNode root, Path source) {
        root.rejectUnknownKeys(Set.of("listeners", "tls", "pools", "routes", "limits", "timeouts", "greeting",
                "logging", "admin", "auth"));
        List<ListenerConfig> listeners = listeners(root);
        Map<String, PoolConfig> pools = PoolsLoader.pools(root);
        RoutesConfig routes = routes(root.child("routes"), pools.keySet());
        // From the raw entries, so a listener with another mistake still makes missing TLS files an error too.
        boolean needsTls = root.rawList("listeners").stream()
                .anyMatch(o -> o instanceof Map<?, ?> m && !"none".equalsIgnoreCase(String.valueOf(m.get("tls"))));
        TlsConfig tls = ServerTlsLoader.read(root.child("tls"), needsTls);
        String greeting = GREETING.read(root);
        return new PosternConfig(listeners, tls, pools, routes, LimitsConfig.SECTION.read(root.child("limits")),
                TimeoutsConfig.SECTION.read(root.child("timeouts")), greeting,
                LoggingConfig.SECTION.read(root.child("logging")), AdminConfig.read(root), OAuthConfig.read(root),
                source);
    }

    private static List<ListenerConfig> listeners(ConfigNode root) {
        // Something other than a list has its problem reported by mappings().
        if (root.rawList("listeners").isEmpty() && (root.isList("listeners") || !root.has("listeners"))) {
            root.problem("listeners", "missing (expected: at least one listener)");
        }
        List<ListenerConfig> out = new ArrayList<>();
        Set<String> names = new HashSet<>();
        Set<HostPort> binds = new HashSet<>();
        for (ConfigNode node : root.mappings("listeners", "a mapping with name, bind, tls")) {
            ListenerConfig listener = listener(node);
            if (listener == null) {
                continue;
            }
            if (!names.add(listener.name())) {
                node.problem("name", "'" + listener.name() + "' is used by another listener");
            }
            if (listener.bind().port() != 0 && !binds.add(listener.bind())) {
                node.problem("bind", listener.bind() + " is used by another listener");
            }
            out.add(listener);
        }
        return out;
    }

    /** One listener: its table plus the settings that contradict each other. */
    static ListenerConfig listener(ConfigNode node) {
        ListenerConfig listener = ListenerConfig.SECTION.read(node);
        if (listener != null && listener.requireTls() && listener.tls() == TlsMode.NONE) {
            node.problem("require_tls", "true on a listener with tls: none can never be satisfied");
        }
        if (listener != null && listener.alpn() == ListenerConfig.Alpn.REQUIRED && listener.tls() == TlsMode.NONE) {
            node.problem("alpn", "required on a listener with tls: none can never be satisfied");
        }
        return listener;
    }

    /** {@code routes:}; targets may name the pools in {@code pools}. */
    static RoutesConfig routes(ConfigNode node, Set<String> pools) {
        node.rejectUnknownKeys(Set.of("default_pool", "static", "sources", "cache", "login_names", "unlisted_targets"));
        String defaultPool = node.string("default_pool", null);
        if (defaultPool != null && !pools.contains(defaultPool)) {
            node.problem("default_pool", "'" + defaultPool + "' is not a pool (pools: " + pools + ")");
        }
        LoginNameConfig names = LoginNameConfig.SECTION.read(node.child("login_names"));
        Map<String, String> statics = new LinkedHashMap<>();
        ConfigNode staticNode = node.child("static");
        for (Map.Entry<String, Object> e : node.entries("static").entrySet()) {
            String target = String.valueOf(e.getValue());
            String problem = RouteTargets.check(target, pools);
            if (problem != null) {
                staticNode.problem(e.getKey(), problem);
                continue;
            }
            // Normalized later with the configured login_names rules, exactly like a login.
            statics.put(e.getKey(), target);
        }
        List<RouteSourceConfig> sources = RouteSourcesLoader.sources(node, pools);
        RoutesConfig.CacheConfig cache = RoutesConfig.CacheConfig.SECTION.read(node.child("cache"));
        return new RoutesConfig(defaultPool, statics, sources, cache, names, unlistedTargets(node));
    }

    /** {@code routes.unlisted_targets}: {@code refuse}, or {@code {tls: none|implicit|starttls, ca: ..., ...}}. */
    private static RoutesConfig.UnlistedTargets unlistedTargets(ConfigNode routes) {
        String key = "unlisted_targets";
        if (!routes.has(key)) {
            return RoutesConfig.UnlistedTargets.DEFAULTS;
        }
        if (!routes.isMapping(key)) {
            String word = routes.string(key, "");
            if (word.equalsIgnoreCase("refuse")) {
                return RoutesConfig.UnlistedTargets.REFUSE;
            }
            routes.problem(key, "'" + word + "' (expected: refuse, or a mapping such as {tls: implicit, ca: ca.pem})");
            return RoutesConfig.UnlistedTargets.DEFAULTS;
        }
        return new RoutesConfig.UnlistedTargets(false, BackendTlsLoader.read(routes.child(key), "tls"));
    }
}
