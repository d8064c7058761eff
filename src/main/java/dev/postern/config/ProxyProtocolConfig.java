package dev.postern.config;

import java.util.List;

/**
 * {@code listeners[].proxy_protocol:}: the load balancers whose connections start with a PROXY protocol header (v1
 * or v2). A connection from one of them must send one; a connection from anywhere else is an ordinary client, whose
 * PROXY header is as much garbage as any other.
 *
 * @param trusted the balancers' networks; at least one
 */
public record ProxyProtocolConfig(List<Cidr> trusted) {

    private static final String EXPECTED = "(expected: the load balancers' networks, e.g. [10.0.0.0/24])";
    private static final ConfigKey<List<Cidr>> NETWORKS = ConfigKey.list("trusted", Cidr::parse);

    static final ConfigSection<ProxyProtocolConfig> SECTION = ConfigSection.of(ProxyProtocolConfig.class,
            ConfigKey.<List<Cidr>>custom("trusted", List.class, null, (node, key, fallback) -> {
                if (node.list(key).isEmpty()) {
                    node.problem(key, "no network " + EXPECTED);
                    return null;
                }
                List<Cidr> networks = NETWORKS.read(node);
                return networks.isEmpty() ? null : networks; // each bad item is reported already
            }).required("missing " + EXPECTED));

    /** {@code listeners[].proxy_protocol}: absent is off (null). */
    static final ConfigKey<ProxyProtocolConfig> KEY = ConfigKey.custom("proxy_protocol", ProxyProtocolConfig.class,
            null, (node, key, fallback) -> {
                if (!node.has(key)) {
                    return fallback;
                }
                ConfigNode section = node.child(key); // reports a value that is not a mapping
                return node.isMapping(key) ? SECTION.read(section) : null;
            });

    public ProxyProtocolConfig {
        trusted = List.copyOf(trusted);
        if (trusted.isEmpty()) {
            throw new IllegalArgumentException("proxy_protocol.trusted is empty: name the load balancers' networks");
        }
    }

    /** {@link #trusted} as a set to test peer addresses against. */
    public ClientAddressSet trustedAddresses() {
        return ClientAddressSet.of(trusted);
    }
}
