package dev.postern.backend;

import dev.postern.config.PoolConfig.Forward;
import dev.postern.session.SessionContext;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.haproxy.HAProxyCommand;
import io.netty.handler.codec.haproxy.HAProxyMessage;
import io.netty.handler.codec.haproxy.HAProxyProtocolVersion;
import io.netty.handler.codec.haproxy.HAProxyProxiedProtocol;
import java.net.Inet4Address;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * What a pool's {@code forward} setting sends a backend about the client, before our login: an ID command with
 * Dovecot's {@code x-*} fields (its own proxy sends the same; a Dovecot whose {@code login_trusted_networks} holds
 * Postern's address then logs and penalises the real client), or a PROXY protocol header (v1 or v2) first on the
 * connection. Health checks of a PROXY pool send a {@code LOCAL} header, which names nobody.
 *
 * <p>Loops: a client (another proxy) may say {@code x-proxy-ttl} in its own ID; Postern passes on one less, and a
 * login whose TTL would reach 0 is refused before any backend (see {@link #loopDetected}).
 */
public final class ClientForwarding {
    /** Dovecot's own starting TTL for proxied logins. */
    static final int DEFAULT_TTL = 5;
    /** RFC 2971: at most 30 field/value pairs in one ID. */
    private static final int MAX_PAIRS = 30;

    private ClientForwarding() {
    }

    /** The TTL the client named in its ID, or null; an unreadable one counts as 0 (treated as a loop). */
    static Integer incomingTtl(SessionContext session) {
        String ttl = session.clientId().get("x-proxy-ttl");
        if (ttl == null) {
            return null;
        }
        try {
            return Integer.parseInt(ttl.strip());
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    /** Null when the login may go on; else why not (for the log line). */
    public static String loopDetected(SessionContext session) {
        Integer ttl = incomingTtl(session);
        return ttl != null && ttl <= 1 ? "x-proxy-ttl " + ttl + " from the client: a proxy loop, or too many hops" : null;
    }

    /**
     * The PROXY header a login connection of a {@code proxy_v1} / {@code proxy_v2} pool starts with: an
     * {@link HAProxyMessage} for the encoder, or for v1's {@code PROXY UNKNOWN} (which Netty's encoder cannot write)
     * the bytes themselves.
     */
    static Object proxyHeader(Forward mode, SessionContext session) {
        HAProxyProtocolVersion version = mode == Forward.PROXY_V1 ? HAProxyProtocolVersion.V1 : HAProxyProtocolVersion.V2;
        InetSocketAddress client = session.client();
        InetSocketAddress local = session.local();
        if (client == null || local == null || (client.getAddress() instanceof Inet4Address)
                != (local.getAddress() instanceof Inet4Address)) {
            // Nothing to name in one family: the header says so, and the backend uses the connection's addresses.
            return unknown(version);
        }
        HAProxyProxiedProtocol protocol = client.getAddress() instanceof Inet4Address
                ? HAProxyProxiedProtocol.TCP4 : HAProxyProxiedProtocol.TCP6;
        return new HAProxyMessage(version, HAProxyCommand.PROXY, protocol, client.getAddress().getHostAddress(),
                local.getAddress().getHostAddress(), client.getPort(), local.getPort());
    }

    /** The header a health check of a {@code proxy_v1} / {@code proxy_v2} pool starts with (see {@link #proxyHeader}). */
    static Object localHeader(Forward mode) {
        if (mode == Forward.PROXY_V1) {
            return unknown(HAProxyProtocolVersion.V1); // v1 has no LOCAL; UNKNOWN is its way of naming nobody
        }
        return new HAProxyMessage(HAProxyProtocolVersion.V2, HAProxyCommand.LOCAL, HAProxyProxiedProtocol.UNKNOWN,
                null, null, 0, 0);
    }

    private static Object unknown(HAProxyProtocolVersion version) {
        return version == HAProxyProtocolVersion.V1
                ? Unpooled.copiedBuffer("PROXY UNKNOWN\r\n", StandardCharsets.US_ASCII)
                : new HAProxyMessage(version, HAProxyCommand.PROXY, HAProxyProxiedProtocol.UNKNOWN, null, null, 0, 0);
    }

    /**
     * The ID command of a {@code forward: id} pool, CRLF included: Dovecot's {@code x-*} fields, then (with
     * {@code withClientId}) the client's own fields, never one of its {@code x-*} ones and never more than ID's 30
     * pairs. Values that a quoted string cannot carry (CR, LF, NUL) are left out.
     */
    static String idCommand(String tag, SessionContext session, boolean withClientId) {
        Map<String, String> fields = new LinkedHashMap<>();
        if (session.client() != null) {
            fields.put("x-originating-ip", session.client().getAddress().getHostAddress());
            fields.put("x-originating-port", Integer.toString(session.client().getPort()));
        }
        if (session.local() != null) {
            fields.put("x-connected-ip", session.local().getAddress().getHostAddress());
            fields.put("x-connected-port", Integer.toString(session.local().getPort()));
        }
        Integer incoming = incomingTtl(session);
        fields.put("x-proxy-ttl", Integer.toString(incoming == null ? DEFAULT_TTL : incoming - 1));
        fields.put("x-session-ext-id", session.id());
        if (withClientId) {
            session.clientId().forEach((field, value) -> {
                if (fields.size() < MAX_PAIRS && !field.toLowerCase(Locale.ROOT).startsWith("x-")
                        && quotable(field) && quotable(value)) {
                    fields.putIfAbsent(field, value);
                }
            });
        }
        StringBuilder out = new StringBuilder(tag).append(" ID (");
        fields.forEach((field, value) -> out.append(quote(field)).append(' ').append(quote(value)).append(' '));
        out.setLength(out.length() - 1);
        return out.append(")\r\n").toString();
    }

    private static boolean quotable(String text) {
        return text.chars().noneMatch(c -> c == '\r' || c == '\n' || c == 0);
    }

    private static String quote(String text) {
        return '"' + text.replace("\\", "\\\\").replace("\"", "\\\"") + '"';
    }
}
