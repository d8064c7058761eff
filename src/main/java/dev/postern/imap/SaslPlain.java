package dev.postern.imap;

import java.util.Arrays;
import java.util.Base64;

/** SASL PLAIN (RFC 4616): {@code [authzid] NUL authcid NUL passwd}, base64 over IMAP (RFC 9051 6.2.2). */
public final class SaslPlain {
    private SaslPlain() {
    }

    /** Thrown with a message safe to show the client and to log (never the payload). */
    public static final class InvalidResponse extends Exception {
        public InvalidResponse(String message) {
            super(message, null, false, false);
        }
    }

    /**
     * Decodes a client response. An authzid other than empty or the authcid itself is refused: Postern has no
     * master users (yet), and passing it on would let a user act as another at a backend that trusts it.
     */
    public static Credentials decode(byte[] base64) throws InvalidResponse {
        byte[] raw;
        try {
            raw = Base64.getDecoder().decode(base64);
        } catch (IllegalArgumentException e) {
            throw new InvalidResponse("Invalid base64 data");
        }
        try {
            int first = indexOf(raw, 0);
            int second = first < 0 ? -1 : indexOf(raw, first + 1);
            if (first < 0 || second < 0 || indexOf(raw, second + 1) >= 0) {
                throw new InvalidResponse("Invalid PLAIN message (expected: authzid NUL authcid NUL password)");
            }
            byte[] authzid = Arrays.copyOfRange(raw, 0, first);
            byte[] authcid = Arrays.copyOfRange(raw, first + 1, second);
            byte[] password = Arrays.copyOfRange(raw, second + 1, raw.length);
            try {
                if (authcid.length == 0) {
                    throw new InvalidResponse("Empty authentication identity");
                }
                if (authzid.length > 0 && !Arrays.equals(authzid, authcid)) {
                    throw new InvalidResponse("Authorization identity must be empty or the login name");
                }
                return new Credentials(authcid, password);
            } finally {
                Arrays.fill(password, (byte) 0);
            }
        } finally {
            Arrays.fill(raw, (byte) 0);
        }
    }

    /** Encodes {@code authzid NUL user NUL password} (authzid mostly empty) in base64 for a backend. */
    public static byte[] encode(Credentials credentials) {
        byte[] authzid = credentials.authzid();
        byte[] user = credentials.user();
        byte[] password = credentials.password();
        byte[] raw = new byte[authzid.length + user.length + password.length + 2];
        System.arraycopy(authzid, 0, raw, 0, authzid.length);
        System.arraycopy(user, 0, raw, authzid.length + 1, user.length);
        System.arraycopy(password, 0, raw, authzid.length + user.length + 2, password.length);
        byte[] out = Base64.getEncoder().encode(raw);
        Arrays.fill(raw, (byte) 0);
        Arrays.fill(password, (byte) 0);
        return out;
    }

    private static int indexOf(byte[] b, int from) {
        for (int i = from; i < b.length; i++) {
            if (b[i] == 0) {
                return i;
            }
        }
        return -1;
    }
}
