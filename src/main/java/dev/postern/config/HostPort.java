package dev.postern.config;

import java.util.Locale;

/**
 * A host (name, IPv4 or IPv6 literal) and a TCP port; parsed from {@code host:port} or {@code [v6]:port}. The host
 * is kept in lower case without a trailing dot, so {@code LOCALHOST.:993} and {@code localhost:993} are one value.
 */
public record HostPort(String host, int port) {

    public HostPort {
        if (host == null || host.isBlank()) {
            throw new IllegalArgumentException("empty host");
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port " + port + " out of range 0-65535");
        }
        // One spelling per name: case and a trailing dot (the DNS root) do not make another host.
        host = host.toLowerCase(Locale.ROOT);
        if (host.length() > 1 && host.endsWith(".")) {
            host = host.substring(0, host.length() - 1);
        }
    }

    /** Parses {@code host:port}; an IPv6 literal goes in brackets. Throws with a message fit for a config error. */
    public static HostPort parse(String text) {
        String s = text == null ? "" : text.trim();
        int colon = s.lastIndexOf(':');
        if (colon <= 0 || colon == s.length() - 1) {
            throw new IllegalArgumentException("'" + s + "' (expected: host:port)");
        }
        String host = s.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        } else if (host.indexOf(':') >= 0) {
            throw new IllegalArgumentException("'" + s + "' (expected: [ipv6]:port)");
        }
        int port;
        try {
            port = Integer.parseInt(s.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + s + "' (port is not a number)");
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("'" + s + "' (port out of range 0-65535)");
        }
        return new HostPort(host, port);
    }

    @Override
    public String toString() {
        return host.indexOf(':') >= 0 ? "[" + host + "]:" + port : host + ":" + port;
    }
}
