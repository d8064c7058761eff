package dev.postern.session;

import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.spi.LoggingEventBuilder;

/**
 * The session log: one line per session when it ends, on the logger {@code postern.session}. The same fields go
 * into the message ({@code key=value}, for the text format) and as key-value pairs of the event (which
 * {@code logging.format: json} writes as JSON fields): session, listener, client, user, backend, tls, cipher,
 * handshake_ms, login_ms, duration_ms, bytes_in (client to backend), bytes_out (backend to client), end. Never a
 * password: the record holds none.
 */
public final class SessionLog {
    private static final Logger LOG = LoggerFactory.getLogger("postern.session");

    private SessionLog() {
    }

    /** Writes {@code record}'s line; its end reason is "client closed" when nobody gave another. */
    public static void ended(SessionRecord record) {
        if (!LOG.isInfoEnabled()) {
            return;
        }
        Map<String, Object> fields = fields(record);
        StringBuilder text = new StringBuilder("session end");
        LoggingEventBuilder event = LOG.atInfo();
        fields.forEach((key, value) -> {
            text.append(' ').append(key).append('=').append(quoted(value));
            event.addKeyValue(key, value);
        });
        event.setMessage(text.toString()).log();
    }

    /** The line's fields in order; absent facts (no TLS, no login) are left out. */
    static Map<String, Object> fields(SessionRecord record) {
        Map<String, Object> out = new LinkedHashMap<>();
        SessionContext session = record.context();
        out.put("session", session.id());
        out.put("listener", session.listener());
        out.put("client", session.clientText());
        putIfKnown(out, "user", record.user());
        putIfKnown(out, "backend", record.backend());
        putIfKnown(out, "tls", record.tlsProtocol());
        putIfKnown(out, "cipher", record.tlsCipher());
        if (record.handshakeMillis() >= 0) {
            out.put("handshake_ms", record.handshakeMillis());
        }
        if (record.loginMillis() >= 0) {
            out.put("login_ms", record.loginMillis());
        }
        out.put("duration_ms", record.ageMillis());
        out.put("bytes_in", record.bytesFromClient());
        out.put("bytes_out", record.bytesToClient());
        out.put("end", record.end() == null ? "client closed" : record.end());
        return out;
    }

    private static void putIfKnown(Map<String, Object> out, String key, String value) {
        if (value != null) {
            out.put(key, value);
        }
    }

    /** A value with a space, quote or control character (a user name may hold anything) is quoted and escaped. */
    static String quoted(Object value) {
        String text = String.valueOf(value);
        if (!text.isEmpty() && text.chars().allMatch(c -> c > 0x20 && c < 0x7f && c != '"' && c != '=')) {
            return text;
        }
        StringBuilder out = new StringBuilder("\"");
        for (char c : text.toCharArray()) {
            if (c == '"' || c == '\\') {
                out.append('\\').append(c);
            } else if (c < 0x20 || c == 0x7f) {
                out.append(String.format("\\x%02x", (int) c));
            } else {
                out.append(c);
            }
        }
        return out.append('"').toString();
    }
}
