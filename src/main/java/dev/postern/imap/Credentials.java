package dev.postern.imap;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A login name and password as the client sent them (octets, so nothing is lost in re-encoding).
 * {@link #toString()} never shows the password; {@link #wipe()} overwrites it once the login is over.
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

    public String userName() {
        return new String(user, StandardCharsets.UTF_8);
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
        return null;
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
    }

    @Override
    public String toString() {
        return "Credentials[user=" + userName() + ", password=<hidden>]";
    }
}
