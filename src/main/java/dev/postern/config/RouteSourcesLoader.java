package dev.postern.config;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/** Reads {@code routes.sources}: an ordered list of {@code {type: file|rules|http|ldap, ...}}. */
final class RouteSourcesLoader {
    /** The request headers of the auth_http protocol that Postern sets itself. */
    private static final List<String> POSTERN_HEADERS = List.of("Auth-Method", "Auth-User", "Auth-Pass",
            "Auth-Protocol", "Auth-Login-Attempt", "Client-IP");

    private RouteSourcesLoader() {
    }

    static List<RouteSourceConfig> sources(ConfigNode routes, Set<String> pools) {
        List<RouteSourceConfig> out = new ArrayList<>();
        for (ConfigNode node : routes.mappings("sources", "a mapping with a type")) {
            String type = node.string("type", "").toLowerCase(Locale.ROOT);
            RouteSourceConfig source = switch (type) {
                case "file" -> file(node);
                case "rules" -> rules(node, pools);
                case "http" -> http(node);
                case "ldap" -> ldap(node);
                default -> {
                    node.problem("type", "'" + node.string("type", "") + "' (expected one of [file, rules, http, ldap])");
                    yield null;
                }
            };
            if (source != null) {
                out.add(source);
            }
        }
        return out;
    }

    private static RouteSourceConfig file(ConfigNode node) {
        node.rejectUnknownKeys(Set.of("type", "path", "check_interval"));
        if (!node.has("path")) {
            node.problem("path", "missing (expected: a .yaml or .csv routes file)");
            return null;
        }
        String path = node.string("path", "");
        if (!(path.endsWith(".yaml") || path.endsWith(".yml") || path.endsWith(".csv"))) {
            node.problem("path", "'" + path + "' (expected: a .yaml, .yml or .csv file)");
            return null;
        }
        return new RouteSourceConfig.File(node.resolve("path"),
                node.duration("check_interval", Duration.ofSeconds(2), Duration.ofMillis(10)));
    }

    private static RouteSourceConfig rules(ConfigNode node, Set<String> pools) {
        node.rejectUnknownKeys(Set.of("type", "rules"));
        List<RouteSourceConfig.Rule> rules = new ArrayList<>();
        int listed = node.rawList("rules").size();
        for (ConfigNode rule : node.mappings("rules", "{domain: ..., to: ...} or {match: ..., to: ...}")) {
            rule.rejectUnknownKeys(Set.of("domain", "match", "to"));
            String to = rule.string("to", null);
            if (to == null) {
                rule.problem("to", "missing (expected: a pool name or host:port)");
                continue;
            }
            if (rule.has("domain") == rule.has("match")) {
                rule.problem("domain", "give exactly one of domain or match");
                continue;
            }
            if (rule.has("domain")) {
                String problem = RouteTargets.check(to, pools);
                if (problem != null) {
                    rule.problem("to", problem);
                    continue;
                }
                rules.add(new RouteSourceConfig.Rule(rule.string("domain", "").toLowerCase(Locale.ROOT), null, to));
            } else {
                try {
                    Pattern pattern = Pattern.compile(rule.string("match", ""));
                    if (!to.contains("$")) {
                        String problem = RouteTargets.check(to, pools);
                        if (problem != null) {
                            rule.problem("to", problem);
                            continue;
                        }
                    }
                    rules.add(new RouteSourceConfig.Rule(null, pattern, to));
                } catch (PatternSyntaxException e) {
                    rule.problem("match", "not a regular expression: " + e.getDescription());
                }
            }
        }
        if (listed == 0) {
            node.problem("rules", "missing or empty");
        }
        // A rule left out would send its users elsewhere: the source stands only with every rule.
        return listed == 0 || rules.size() < listed ? null : new RouteSourceConfig.Rules(rules);
    }

    static RouteSourceConfig.Http http(ConfigNode node) {
        node.rejectUnknownKeys(Set.of("type", "url", "timeout", "send_password", "headers", "max_concurrent",
                "authenticates"));
        URI url = uri(node, "url", List.of("http", "https"));
        Map<String, String> headers = new LinkedHashMap<>();
        node.entries("headers").forEach((k, v) -> {
            if (!k.matches("[A-Za-z0-9-]+") || String.valueOf(v).chars().anyMatch(c -> c < 0x20)) {
                node.problem("headers", "'" + k + "' is not a valid header name/value");
                return;
            }
            String problem = headerProblem(k, String.valueOf(v));
            if (problem != null) {
                node.nested("headers", Map.of()).problem(k, problem);
            } else {
                headers.put(k, String.valueOf(v));
            }
        });
        Duration timeout = node.duration("timeout", Duration.ofSeconds(5), Duration.ofMillis(1));
        boolean sendPassword = node.bool("send_password", false);
        int maxConcurrent = node.integer("max_concurrent", 256, 1, 100_000);
        boolean authenticates = node.bool("authenticates", false);
        if (authenticates && !sendPassword) {
            node.problem("authenticates", "true needs send_password: true (the service must see the password or "
                    + "token it vouches for)");
        }
        return url == null ? null : new RouteSourceConfig.Http(url, timeout, sendPassword, headers, maxConcurrent,
                authenticates);
    }

    /**
     * Null when the JDK HTTP client sends {@code name: value} as configured, else why not: it refuses the headers it
     * manages itself (Host, Connection, Content-Length, Expect, Upgrade) and values outside its character rules, and
     * every lookup would fail at run time. Postern's own {@code Auth-*} and {@code Client-IP} are refused too: a
     * second copy would leave the service to pick one.
     */
    static String headerProblem(String name, String value) {
        if (POSTERN_HEADERS.stream().anyMatch(name::equalsIgnoreCase)) {
            return "set by Postern on every request (expected: a header of your own, such as X-Auth-Key)";
        }
        try {
            java.net.http.HttpRequest.newBuilder(URI.create("http://localhost/")).header(name, value);
            return null;
        } catch (IllegalArgumentException e) {
            String why = String.valueOf(e.getMessage());
            return why.startsWith("restricted") ? "restricted header (the HTTP client sets it itself): remove it"
                    : "refused by the HTTP client (" + why.replace(value, "...") + ")";
        }
    }

    static RouteSourceConfig.Ldap ldap(ConfigNode node) {
        node.rejectUnknownKeys(Set.of("type", "url", "urls", "bind_dn", "bind_password", "base_dn", "filter", "attribute",
                "default_port", "pool_size", "timeout", "threads", "queue", "ca", "start_tls"));
        List<URI> urls = new ArrayList<>();
        if (node.has("url")) {
            URI u = uri(node, "url", List.of("ldap", "ldaps"));
            if (u != null) {
                urls.add(u);
            }
        }
        for (Object o : node.list("urls")) {
            try {
                URI u = new URI(String.valueOf(o));
                if (!Set.of("ldap", "ldaps").contains(String.valueOf(u.getScheme()).toLowerCase(Locale.ROOT)) || u.getHost() == null) {
                    throw new URISyntaxException(String.valueOf(o), "expected ldap://host[:port] or ldaps://");
                }
                urls.add(u);
            } catch (URISyntaxException e) {
                node.problem("urls", "'" + o + "' (expected: ldap://host[:port] or ldaps://host[:port])");
            }
        }
        if (urls.isEmpty() && !node.has("url")) {
            node.problem("url", "missing (expected: ldap://host[:port])");
        }
        String baseDn = node.string("base_dn", null);
        if (baseDn == null) {
            node.problem("base_dn", "missing");
        }
        String filter = node.string("filter", "(uid=%u)");
        if (!filter.contains("%u") && !filter.contains("%l")) {
            node.problem("filter", "'" + filter + "' uses neither %u nor %l (expected e.g. (mail=%u))");
        }
        String attribute = node.string("attribute", "mailHost");
        String bindDn = node.string("bind_dn", null);
        String bindPassword = node.string("bind_password", null);
        if ((bindDn == null) != (bindPassword == null)) {
            node.problem("bind_dn", "bind_dn and bind_password go together");
        }
        int defaultPort = node.integer("default_port", 143, 1, 65535);
        int poolSize = node.integer("pool_size", 4, 1, 1000);
        Duration timeout = node.duration("timeout", Duration.ofSeconds(3), Duration.ofMillis(1));
        int threads = node.integer("threads", 4, 1, 1000);
        int queue = node.integer("queue", 1000, 1, 1_000_000);
        boolean startTls = node.bool("start_tls", false);
        boolean anyLdaps = urls.stream().anyMatch(u -> u.getScheme().equalsIgnoreCase("ldaps"));
        boolean anyLdap = urls.stream().anyMatch(u -> u.getScheme().equalsIgnoreCase("ldap"));
        if (startTls && !anyLdap && !urls.isEmpty()) {
            node.problem("start_tls", "true has no effect: every URL is ldaps:// (TLS from the first byte)");
        }
        Path ca = null;
        if (node.has("ca")) {
            ca = node.resolve("ca");
            String problem = BackendTlsLoader.checkCaBundle(ca);
            if (problem != null) {
                node.problem("ca", problem);
            } else if (!anyLdaps && !startTls && !urls.isEmpty()) {
                node.problem("ca", "has no effect without TLS (expected: ldaps:// URLs or start_tls: true)");
            }
        }
        if (urls.isEmpty() || baseDn == null) {
            return null;
        }
        return new RouteSourceConfig.Ldap(urls, bindDn, bindPassword, baseDn, filter, attribute, defaultPort, poolSize,
                timeout, threads, queue, ca, startTls);
    }

    private static URI uri(ConfigNode node, String key, List<String> schemes) {
        if (!node.has(key)) {
            node.problem(key, "missing");
            return null;
        }
        String text = node.string(key, "");
        try {
            URI uri = new URI(text);
            if (uri.getScheme() == null || !schemes.contains(uri.getScheme().toLowerCase(Locale.ROOT)) || uri.getHost() == null) {
                node.problem(key, "'" + text + "' (expected: " + String.join(" or ", schemes) + " URL with a host)");
                return null;
            }
            return uri;
        } catch (URISyntaxException e) {
            node.problem(key, "'" + text + "' is not a URL (" + e.getReason() + ")");
            return null;
        }
    }
}
