package dev.postern.config;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/** One entry of {@code routes.sources}: its {@code type} picks the record. */
public sealed interface RouteSourceConfig {

    /** A routes file (YAML map, or CSV of {@code login,target}) reloaded when it changes. */
    record File(Path path, Duration checkInterval) implements RouteSourceConfig {
    }

    /** Domain and regular-expression rules, first match wins. */
    record Rules(List<Rule> rules) implements RouteSourceConfig {
        public Rules {
            rules = List.copyOf(rules);
        }
    }

    /**
     * One rule: {@code domain} matches the part after '@' exactly (case-insensitive); {@code pattern} matches the
     * whole login key, and {@code $1}... in {@code target} are its groups.
     */
    record Rule(String domain, Pattern pattern, String target) {
    }

    /** An nginx {@code auth_http}-compatible service. */
    record Http(URI url, Duration timeout, boolean sendPassword, Map<String, String> headers, int maxConcurrent,
                boolean authenticates) implements RouteSourceConfig {
        public Http {
            headers = Collections.unmodifiableMap(new LinkedHashMap<>(headers));
        }

        /** A routing-only service (its OK routes, the backend checks the password). */
        public Http(URI url, Duration timeout, boolean sendPassword, Map<String, String> headers, int maxConcurrent) {
            this(url, timeout, sendPassword, headers, maxConcurrent, false);
        }

        /** By key name, as one {@code type: http} entry of {@code routes.sources}; unset keys get defaults. */
        public static Http of(Map<String, ?> values) {
            return ConfigNode.strict("http", values, RouteSourcesLoader::http);
        }

        /** Header values may be credentials for the service: only their names are shown. */
        @Override
        public String toString() {
            return "Http[" + url + ", timeout " + timeout + ", sendPassword " + sendPassword + ", authenticates "
                    + authenticates + ", headers " + new java.util.TreeSet<>(headers.keySet()) + ", maxConcurrent "
                    + maxConcurrent + "]";
        }
    }

    /**
     * An LDAP directory: {@code filter} with {@code %u} (the escaped login key) and optionally {@code %l} (local
     * part) / {@code %d} (domain); {@code attribute} holds {@code host[:port]} or a pool name. TLS per URL:
     * {@code ldaps://} from the first byte, {@code ldap://} with StartTLS when {@code startTls}, else plain; the
     * directory's certificate is checked against {@code ca} (null: the JDK's trust store) and the URL's host name.
     */
    record Ldap(List<URI> urls, String bindDn, String bindPassword, String baseDn, String filter, String attribute,
                int defaultPort, int poolSize, Duration timeout, int threads, int queue, Path ca, boolean startTls)
            implements RouteSourceConfig {
        public Ldap {
            urls = List.copyOf(urls);
        }

        /** By key name, as one {@code type: ldap} entry of {@code routes.sources}; unset keys get defaults. */
        public static Ldap of(Map<String, ?> values) {
            return ConfigNode.strict("ldap", values, RouteSourcesLoader::ldap);
        }

        @Override
        public String toString() {
            return "Ldap[" + urls + ", " + baseDn + ", " + filter + ", " + attribute + "]";
        }
    }
}
