package dev.postern.imap;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A login name and its secret as the client sent them (octets, so nothing is lost in re-encoding), and what kind
 * of secret it is. {@link #toString()} never shows the secret; {@link #wipe()} overwrites everything once the login
 * is over.
 */
public final class Credentials {
    private final Kind kind;
    /** Came from AUTHENTICATE LOGIN (auth_http's {@code Auth-Method: login}); LOGIN and PLAIN are "plain". */
    private final boolean saslLogin;
    private final byte[] authzid;
    private final byte[] user;
    private final byte[] password;

    /** What the secret is, and so how a backend gets it. */
    public enum Kind {
        /** A password: the backend gets LOGIN or AUTHENTICATE PLAIN. */
        PASSWORD,
        /** An OAuth 2.0 bearer token from AUTHENTICATE XOAUTH2; the user may be empty until a token names it. */
        XOAUTH2,
        /** An OAuth 2.0 bearer token from AUTHENTICATE OAUTHBEARER (RFC 7628). */
        OAUTHBEARER,
        /**
         * Postern itself authenticated the user (a verified token, an authenticating auth_http answer): no secret
         * of the user's is held, and the backend gets its pool's master login for the user.
         */
        VERIFIED;

        public boolean bearer() {
            return this == XOAUTH2 || this == OAUTHBEARER;
        }
    }

    /** A user name and password. */
    public Credentials(byte[] user, byte[] password) {
        this(Kind.PASSWORD, new byte[0], user, password);
    }

    private Credentials(Kind kind, byte[] authzid, byte[] user, byte[] password) {
        this(kind, false, authzid, user, password);
    }

    private Credentials(Kind kind, boolean saslLogin, byte[] authzid, byte[] user, byte[] password) {
        this.kind = kind;
        this.saslLogin = saslLogin;
        this.authzid = authzid.clone();
        this.user = user.clone();
        this.password = password.clone();
    }

    /** A user name and password from AUTHENTICATE LOGIN. */
    public static Credentials fromSaslLogin(byte[] user, byte[] password) {
        return new Credentials(Kind.PASSWORD, true, new byte[0], user, password);
    }

    /** A bearer token ({@link Kind#XOAUTH2} or {@link Kind#OAUTHBEARER}) for {@code user} (empty: none named). */
    public static Credentials bearer(Kind kind, byte[] user, byte[] token) {
        if (!kind.bearer()) {
            throw new IllegalArgumentException(kind + " is not a bearer token");
        }
        return new Credentials(kind, new byte[0], user, token);
    }

    /** A user Postern authenticated itself: no secret. */
    public static Credentials verified(String user) {
        return new Credentials(Kind.VERIFIED, new byte[0], user.getBytes(StandardCharsets.UTF_8), new byte[0]);
    }

    /**
     * A master login that acts as {@code authzid}: AUTHENTICATE PLAIN with authzid, authcid and password (the
     * Dovecot and Cyrus style).
     */
    public static Credentials actingAs(byte[] authzid, byte[] master, byte[] password) {
        return new Credentials(Kind.PASSWORD, authzid, master, password);
    }

    public Kind kind() {
        return kind;
    }

    /** The mechanism as nginx's auth_http names it: plain, login, xoauth2 or oauthbearer. */
    public String authMethod() {
        return kind.bearer() ? kind.name().toLowerCase(java.util.Locale.ROOT) : saslLogin ? "login" : "plain";
    }

    /** The PLAIN authorization identity, empty unless {@link #actingAs}. */
    public byte[] authzid() {
        return authzid.clone();
    }

    public byte[] user() {
        return user.clone();
    }

    /**
     * The user name as text, for route keys and log lines: the octets as UTF-8, decoded strictly so that the text
     * stands for exactly these octets (a lenient decode would give two names one route key).
     *
     * @throws IllegalStateException when the octets are not UTF-8; {@link #unsendableReason()} says so first
     */
    public String userName() {
        String name = strictUtf8(user);
        if (name == null) {
            throw new IllegalStateException("user name is not valid UTF-8");
        }
        return name;
    }

    public byte[] password() {
        return password.clone();
    }

    /** The reason these octets cannot be sent in an IMAP command, or null when they can. */
    public String unsendableReason() {
        if (user.length == 0 && !kind.bearer()) {
            return "empty user name";
        }
        if (hasLineBreakOrNul(user)) {
            return "user name contains CR, LF or NUL";
        }
        if (hasLineBreakOrNul(password)) {
            return "password contains CR, LF or NUL";
        }
        if (strictUtf8(user) == null) {
            return "user name is not valid UTF-8";
        }
        return null;
    }

    private static String strictUtf8(byte[] bytes) {
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }

    private static boolean hasLineBreakOrNul(byte[] bytes) {
        for (byte b : bytes) {
            if (b == '\r' || b == '\n' || b == 0) {
                return true;
            }
        }
        return false;
    }

    public void wipe() {
        Arrays.fill(password, (byte) 0);
        Arrays.fill(user, (byte) 0);
        Arrays.fill(authzid, (byte) 0);
    }

    @Override
    public String toString() {
        String name = strictUtf8(user);
        return "Credentials[" + kind + ", user=" + (name == null ? "<not UTF-8>" : name) + ", secret=<hidden>]";
    }
}
