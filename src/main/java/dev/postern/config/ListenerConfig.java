package dev.postern.config;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * One client-facing listener.
 *
 * @param requireTls on a STARTTLS listener: advertise LOGINDISABLED and refuse logins until TLS is up
 * @param alpn ALPN policy: a client offering ALPN without {@code imap} is always refused; {@code REQUIRED} also
 *             refuses clients that offer no ALPN at all
 * @param proxyProtocol the load balancers that send a PROXY protocol header first; null when none do
 * @param sasl the AUTHENTICATE mechanisms offered, upper case, in the order advertised (none before TLS where TLS
 *             is required)
 */
public record ListenerConfig(String name, HostPort bind, TlsMode tls, boolean requireTls, Alpn alpn,
                             ProxyProtocolConfig proxyProtocol, List<String> sasl) {

    /** The mechanisms Postern has, for {@code listeners[].sasl}. */
    public static final List<String> SASL_MECHANISMS = List.of("PLAIN", "LOGIN", "XOAUTH2", "OAUTHBEARER");

    /** One entry of {@code listeners:}. */
    static final ConfigSection<ListenerConfig> SECTION = ConfigSection.of(ListenerConfig.class,
            ConfigKey.text("name", null, n -> n.isBlank() ? "missing" : null).required("missing"),
            ConfigKey.parsed("bind", HostPort.class, HostPort::parse).required("missing (expected: host:port)"),
            ConfigKey.choice("tls", TlsMode.class, null).required("missing (expected one of [implicit, starttls, none])"),
            ConfigKey.flag("require_tls", before -> before.get("tls") != TlsMode.NONE),
            ConfigKey.choice("alpn", Alpn.class, Alpn.OPTIONAL),
            ProxyProtocolConfig.KEY,
            ConfigKey.custom("sasl", List.class, List.of("PLAIN", "LOGIN"), ListenerConfig::sasl));

    public ListenerConfig {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(bind, "bind");
        Objects.requireNonNull(tls, "tls");
        Objects.requireNonNull(alpn, "alpn");
        sasl = sasl == null ? List.of("PLAIN", "LOGIN") : List.copyOf(sasl);
    }

    private static List<String> sasl(ConfigNode node, String key, List<String> fallback) {
        if (!node.has(key)) {
            return fallback;
        }
        List<String> names = new ArrayList<>();
        List<Object> raw = node.list(key);
        for (int i = 0; i < raw.size(); i++) {
            String name = String.valueOf(raw.get(i)).toUpperCase(Locale.ROOT);
            if (!SASL_MECHANISMS.contains(name)) {
                node.problem(key + "[" + i + "]", "'" + raw.get(i) + "' (expected some of " + SASL_MECHANISMS + ")");
            } else if (names.contains(name)) {
                node.problem(key + "[" + i + "]", name + " is listed twice");
            } else {
                names.add(name);
            }
        }
        return List.copyOf(names);
    }

    /** By key name, as one entry of {@code listeners:} ({@code name: imaps, bind: "127.0.0.1:993", tls: implicit}). */
    public static ListenerConfig of(Map<String, ?> values) {
        return ConfigNode.strict("listener", values, ConfigLoader::listener);
    }

    /** True when this listener ever needs a server certificate. */
    public boolean usesTls() {
        return tls != TlsMode.NONE;
    }

    /** ALPN (RFC 7301) policy of a listener; the protocol id is IANA's {@code imap}. */
    public enum Alpn { OPTIONAL, REQUIRED }
}
