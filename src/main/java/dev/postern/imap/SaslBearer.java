package dev.postern.imap;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import java.util.Locale;

/**
 * The two OAuth 2.0 bearer-token messages of IMAP, decoded from clients and encoded for backends (base64 on the
 * wire, RFC 9051 6.2.2). Key/value pairs are separated by ^A (0x01) and the message ends with two:
 * <ul>
 * <li>XOAUTH2 (Google's): {@code user=<user> ^A auth=Bearer <token> ^A ^A};</li>
 * <li>OAUTHBEARER (RFC 7628 3.1): a GS2 header {@code n,a=<authzid>,} (or {@code y,...}; the authzid may be
 *     absent, and {@code ,} and {@code =} in it are written {@code =2C} and {@code =3D}), then
 *     {@code ^A auth=Bearer <token> ^A [host=... ^A port=... ^A] ^A}. Channel binding ({@code p=}) is refused.</li>
 * </ul>
 * The token is kept as octets and never put in an exception message.
 */
public final class SaslBearer {
    private static final byte SEPARATOR = 1;
    private static final String SCHEME = "bearer ";

    private SaslBearer() {
    }

    /** A message that is not what the mechanism defines; the text is safe to show and log. */
    public static final class InvalidMessage extends Exception {
        InvalidMessage(String message) {
            super(message, null, false, false);
        }
    }

    /** What a client's message carried: a user (empty when it named none) and the token. */
    public static Credentials decode(Credentials.Kind kind, byte[] base64) throws InvalidMessage {
        byte[] raw;
        try {
            raw = Base64.getDecoder().decode(base64);
        } catch (IllegalArgumentException e) {
            throw new InvalidMessage("Invalid base64 data");
        }
        try {
            return kind == Credentials.Kind.XOAUTH2 ? xoauth2(raw) : oauthbearer(raw);
        } finally {
            Arrays.fill(raw, (byte) 0);
        }
    }

    private static Credentials xoauth2(byte[] raw) throws InvalidMessage {
        byte[] user = null;
        byte[] token = null;
        for (byte[] pair : pairs(raw, 0)) {
            if (startsWith(pair, "user=")) {
                user = Arrays.copyOfRange(pair, 5, pair.length);
            } else if (startsWith(pair, "auth=")) {
                token = token(pair);
            }
        }
        if (user == null || token == null) {
            throw new InvalidMessage("Invalid XOAUTH2 message (expected: user=... ^A auth=Bearer ... ^A ^A)");
        }
        return Credentials.bearer(Credentials.Kind.XOAUTH2, user, token);
    }

    private static Credentials oauthbearer(byte[] raw) throws InvalidMessage {
        int headerEnd = indexOf(raw, SEPARATOR, 0);
        if (headerEnd < 0) {
            throw new InvalidMessage("Invalid OAUTHBEARER message (no GS2 header)");
        }
        String header = new String(raw, 0, headerEnd, StandardCharsets.UTF_8);
        if (header.startsWith("p=")) {
            throw new InvalidMessage("OAUTHBEARER channel binding is not supported");
        }
        String[] fields = header.split(",", -1);
        if (fields.length != 3 || !(fields[0].equals("n") || fields[0].equals("y")) || !fields[2].isEmpty()
                || !(fields[1].isEmpty() || fields[1].startsWith("a="))) {
            throw new InvalidMessage("Invalid OAUTHBEARER GS2 header (expected: n,a=user,)");
        }
        String authzid = fields[1].isEmpty() ? "" : fields[1].substring(2);
        if (authzid.replace("=2C", "").replace("=3D", "").contains("=")) {
            throw new InvalidMessage("Invalid OAUTHBEARER authzid encoding");
        }
        authzid = authzid.replace("=2C", ",").replace("=3D", "=");
        byte[] token = null;
        for (byte[] pair : pairs(raw, headerEnd + 1)) {
            if (startsWith(pair, "auth=")) {
                token = token(pair);
            }
        }
        if (token == null) {
            throw new InvalidMessage("Invalid OAUTHBEARER message (expected: auth=Bearer ...)");
        }
        return Credentials.bearer(Credentials.Kind.OAUTHBEARER, authzid.getBytes(StandardCharsets.UTF_8), token);
    }

    /** Encodes the message of {@code credentials}' mechanism for a backend, in base64. */
    public static byte[] encode(Credentials credentials) {
        byte[] user = credentials.user();
        byte[] token = credentials.password();
        String userText = new String(user, StandardCharsets.UTF_8);
        byte[] head = (credentials.kind() == Credentials.Kind.XOAUTH2 ? "user=" + userText + "\u0001auth=Bearer "
                : "n,a=" + userText.replace("=", "=3D").replace(",", "=2C") + ",\u0001auth=Bearer ")
                .getBytes(StandardCharsets.UTF_8);
        byte[] raw = new byte[head.length + token.length + 2];
        System.arraycopy(head, 0, raw, 0, head.length);
        System.arraycopy(token, 0, raw, head.length, token.length);
        raw[raw.length - 2] = SEPARATOR;
        raw[raw.length - 1] = SEPARATOR;
        byte[] out = Base64.getEncoder().encode(raw);
        Arrays.fill(raw, (byte) 0);
        Arrays.fill(token, (byte) 0);
        Arrays.fill(head, (byte) 0);
        return out;
    }

    /**
     * The key/value pairs from {@code from} on: each ended by ^A, the list by an empty pair (a second ^A), which
     * must end the message.
     */
    private static byte[][] pairs(byte[] raw, int from) throws InvalidMessage {
        java.util.List<byte[]> out = new java.util.ArrayList<>();
        int start = from;
        while (true) {
            int end = indexOf(raw, SEPARATOR, start);
            if (end < 0) {
                throw new InvalidMessage("Invalid bearer message (not ended by ^A ^A)");
            }
            if (end == start) {
                if (end != raw.length - 1) {
                    throw new InvalidMessage("Invalid bearer message (data after its end)");
                }
                return out.toArray(new byte[0][]);
            }
            out.add(Arrays.copyOfRange(raw, start, end));
            start = end + 1;
        }
    }

    /** The token of {@code auth=Bearer <token>} (the scheme in any case). */
    private static byte[] token(byte[] pair) throws InvalidMessage {
        int schemeEnd = 5 + SCHEME.length();
        if (pair.length <= schemeEnd || !new String(pair, 5, SCHEME.length(), StandardCharsets.US_ASCII)
                .toLowerCase(Locale.ROOT).equals(SCHEME)) {
            throw new InvalidMessage("Invalid bearer message (expected: auth=Bearer <token>)");
        }
        return Arrays.copyOfRange(pair, schemeEnd, pair.length);
    }

    private static boolean startsWith(byte[] bytes, String prefix) {
        byte[] p = prefix.getBytes(StandardCharsets.US_ASCII);
        return bytes.length >= p.length && Arrays.equals(bytes, 0, p.length, p, 0, p.length);
    }

    private static int indexOf(byte[] bytes, byte b, int from) {
        for (int i = from; i < bytes.length; i++) {
            if (bytes[i] == b) {
                return i;
            }
        }
        return -1;
    }
}
