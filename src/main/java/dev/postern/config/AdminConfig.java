package dev.postern.config;

import java.nio.file.Path;
import java.util.Locale;

/**
 * {@code admin:}: the operators' HTTP API (metrics, health, sessions, backends, routes, reload, status page).
 *
 * @param tokenFile a file holding the bearer token every endpoint but {@code /health} and {@code /ready} asks for; null for none, which
 *                  only a loopback {@code bind} may go without
 */
public record AdminConfig(HostPort bind, Path tokenFile) {

    static final ConfigSection<AdminConfig> SECTION = ConfigSection.of(AdminConfig.class,
            ConfigKey.parsed("bind", HostPort.class, HostPort::parse).required("missing (expected: host:port)"),
            ConfigKey.path("token_file"));

    /** {@code admin}: absent is off (null); a non-loopback bind without a token file is a problem. */
    static AdminConfig read(ConfigNode root) {
        if (!root.has("admin")) {
            return null;
        }
        ConfigNode node = root.child("admin");
        AdminConfig admin = root.isMapping("admin") ? SECTION.read(node) : null;
        if (admin != null && admin.tokenFile() == null && !loopback(admin.bind().host())) {
            node.problem("token_file", "required when admin.bind is not a loopback address (" + admin.bind() + ")");
        }
        return admin;
    }

    /** Loopback by its text alone (never a DNS lookup): 127.0.0.0/8, ::1 or localhost. */
    static boolean loopback(String host) {
        String h = host.toLowerCase(Locale.ROOT);
        return h.equals("localhost") || h.startsWith("127.") || h.equals("::1") || h.equals("[::1]")
                || h.equals("0:0:0:0:0:0:0:1");
    }
}
