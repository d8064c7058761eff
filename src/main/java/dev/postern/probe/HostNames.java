package dev.postern.probe;

import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;

/**
 * Does a certificate name the host a client connects to (RFC 6125): DNS names, one leading wildcard label matching
 * exactly one label, IP addresses only against IP entries; the subject CN only when there is no DNS entry at all.
 */
final class HostNames {
    private static final int DNS = 2;
    private static final int IP = 7;

    private HostNames() {
    }

    static boolean matches(X509Certificate certificate, String host) {
        String name = host.toLowerCase(Locale.ROOT);
        boolean ip = name.matches("[0-9.]+") || name.contains(":");
        List<String> names = names(certificate);
        for (String entry : names) {
            String e = entry.toLowerCase(Locale.ROOT);
            if (ip ? e.equals("ip:" + name) : matchesDns(e, name)) {
                return true;
            }
        }
        return false;
    }

    private static boolean matchesDns(String entry, String host) {
        if (entry.startsWith("ip:")) {
            return false;
        }
        if (entry.startsWith("*.")) {
            int dot = host.indexOf('.');
            return dot > 0 && host.substring(dot + 1).equals(entry.substring(2));
        }
        return entry.equals(host);
    }

    /** The DNS names (and {@code ip:} entries) a certificate holds; its CN when it has no DNS entry. */
    static List<String> names(X509Certificate certificate) {
        List<String> out = new ArrayList<>();
        try {
            Collection<List<?>> sans = certificate.getSubjectAlternativeNames();
            if (sans != null) {
                for (List<?> san : sans) {
                    int type = (Integer) san.get(0);
                    if (type == DNS) {
                        out.add(String.valueOf(san.get(1)));
                    } else if (type == IP) {
                        out.add("ip:" + san.get(1));
                    }
                }
            }
        } catch (CertificateParsingException e) {
            return out;
        }
        if (out.stream().noneMatch(n -> !n.startsWith("ip:"))) {
            String dn = certificate.getSubjectX500Principal().getName();
            for (String part : dn.split(",")) {
                if (part.startsWith("CN=")) {
                    out.add(part.substring(3));
                }
            }
        }
        return out;
    }
}
