package dev.postern.imap;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A login name and password as the client sent them (octets, so nothing is lost in re-encoding).
 * {@link #toString()} never shows the password; {@link #wipe()} overwrites both once the login is over.
 */
public final class Credentials {
    private final byte[] user;
    private final byte[] password;

    public Credentials(byte[] user, byte[] password) {
        this.user = user.clone();
        this.password = password.clone();
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
        if (user.length == 0) {
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
    }

    @Override
    public String toString() {
        String name = strictUtf8(user);
        return "Credentials[user=" + (name == null ? "<not UTF-8>" : name) + ", password=<hidden>]";
    }
}
