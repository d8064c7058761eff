package dev.postern.session;

import io.netty.util.AttributeKey;
import java.net.InetSocketAddress;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * One client session's identity: an id for logs, the listener it came in on, the client's address and the address
 * it connected to. Behind a load balancer both come from its PROXY protocol header; they are carried here and never
 * re-read from the socket elsewhere.
 *
 * @param clientId what the client said of itself in an ID command before login (RFC 2971: field names in lower
 *                 case, NIL values left out), empty until then; forwarded to backends that want it
 * @param secure whether the client is on TLS by now (implicit, or after STARTTLS)
 */
public record SessionContext(String id, String listener, InetSocketAddress client, InetSocketAddress local,
                             Map<String, String> clientId, boolean secure) {

    public static final AttributeKey<SessionContext> KEY = AttributeKey.valueOf("postern.session");

    public SessionContext {
        // Most clients send no ID: one shared empty map, not two maps per session for as long as it lasts
        clientId = clientId.isEmpty() ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(clientId));
    }

    public SessionContext(String id, String listener, InetSocketAddress client, InetSocketAddress local) {
        this(id, listener, client, local, Map.of(), false);
    }

    public SessionContext(String id, String listener, InetSocketAddress client, InetSocketAddress local,
                          Map<String, String> clientId) {
        this(id, listener, client, local, clientId, false);
    }

    public static SessionContext create(String listener, InetSocketAddress client, InetSocketAddress local) {
        return new SessionContext(newId(), listener, client, local);
    }

    /** The same session after the client's ID command. */
    public SessionContext withClientId(Map<String, String> fields) {
        return new SessionContext(id, listener, client, local, fields, secure);
    }

    /** The same session once its TLS handshake is done. */
    public SessionContext withTls() {
        return new SessionContext(id, listener, client, local, clientId, true);
    }

    /** The same session (id, listener) with the addresses a PROXY protocol header named. */
    public SessionContext withAddresses(InetSocketAddress client, InetSocketAddress local) {
        return new SessionContext(id, listener, client, local, clientId, secure);
    }

    /** 12 base-32 characters: short enough for log lines, random enough not to collide within a day. */
    private static String newId() {
        long v = ThreadLocalRandom.current().nextLong() >>> 4;
        String alphabet = "abcdefghijklmnopqrstuvwxyz234567";
        char[] out = new char[12];
        for (int i = 0; i < out.length; i++) {
            out[i] = alphabet.charAt((int) (v & 31));
            v >>>= 5;
        }
        return new String(out);
    }

    public String clientText() {
        return client == null ? "unknown" : client.getAddress().getHostAddress() + ":" + client.getPort();
    }
}
