package dev.postern.config;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/** Reads the client-facing {@code tls:} section: its table ({@link TlsConfig#SECTION}) plus certificate lists. */
final class ServerTlsLoader {
    private static final String HOST_OR_WILDCARD =
            "(\\*\\.)?[a-z0-9]([a-z0-9-]*[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*";

    private ServerTlsLoader() {
    }

    /** {@code needed}: a listener uses TLS, so certificate and key are required. */
    static TlsConfig read(ConfigNode node, boolean needed) {
        TlsConfig tls = TlsConfig.SECTION.read(node);
        if (needed && tls.certificate() == null) {
            node.problem("certificate", "missing (a listener uses TLS; expected: path to a PEM certificate chain)");
        }
        if (needed && tls.key() == null) {
            node.problem("key", "missing (a listener uses TLS; expected: path to a PEM private key)");
        }
        if (tls != null && !tls.groups().isEmpty()) {
            if ("jdk".equals(tls.provider())) {
                node.problem("groups", "needs provider openssl (the JDK provider of Java 17 cannot order groups)");
            }
            if (tls.groups().stream().distinct().count() != tls.groups().size()) {
                node.problem("groups", tls.groups() + " names a group twice");
            }
        }
        return tls;
    }

    /** {@code sni:}: server names and the certificates served for them. */
    static List<TlsConfig.SniEntry> sni(ConfigNode node, String key, List<TlsConfig.SniEntry> fallback) {
        List<TlsConfig.SniEntry> sni = new ArrayList<>();
        for (ConfigNode entry : node.mappings(key, "{names: [...], certificate: ..., key: ...}")) {
            entry.rejectUnknownKeys(Set.of("names", "certificate", "key", "certificates"));
            List<String> names = new ArrayList<>();
            for (Object o : entry.list("names")) {
                String name = String.valueOf(o).strip().toLowerCase(Locale.ROOT);
                if (!name.matches(HOST_OR_WILDCARD)) {
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
                    certs.add(new TlsConfig.CertificatePair(entry.resolve("certificate"), entry.resolve("key")));
                }
            }
            certs.addAll(pairs(entry, "certificates", List.of()));
            if (certs.isEmpty()) {
                entry.problem("certificate", "missing (expected: certificate and key, or certificates: [...])");
            }
            sni.add(new TlsConfig.SniEntry(names, certs));
        }
        return sni;
    }

    /** A list of {certificate, key} pairs under {@code key}. */
    static List<TlsConfig.CertificatePair> pairs(ConfigNode node, String key, List<TlsConfig.CertificatePair> fallback) {
        List<TlsConfig.CertificatePair> out = new ArrayList<>();
        for (ConfigNode pair : node.mappings(key, "{certificate: ..., key: ...}")) {
            pair.rejectUnknownKeys(Set.of("certificate", "key"));
            if (!pair.has("certificate") || !pair.has("key")) {
                pair.problem("certificate", "certificate and key are both required");
                continue;
            }
            out.add(new TlsConfig.CertificatePair(pair.resolve("certificate"), pair.resolve("key")));
        }
        return out;
    }
}
