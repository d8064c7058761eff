package dev.postern.soak;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * One churn user's mailbox as the soak knows it: the large message seeded at the start (UID and checksum), the
 * appends the server acknowledged ({@code APPENDUID}) and not yet checked, and those checked but whose expunge was
 * not yet confirmed. A message whose APPEND was never acknowledged is in no list: the network may have lost the
 * command, so its absence proves nothing, and its presence is harmless. One worker thread owns a ledger.
 */
final class MailboxLedger {
    private final Map<Long, String> unverified = new LinkedHashMap<>();
    private final Set<Long> toExpunge = new LinkedHashSet<>();
    private long bigUid;
    private String bigChecksum;

    void seeded(long uid, byte[] message) {
        bigUid = uid;
        bigChecksum = checksum(message);
    }

    long bigUid() {
        return bigUid;
    }

    boolean isBig(byte[] message) {
        return checksum(message).equals(bigChecksum);
    }

    void acknowledged(long uid, byte[] message) {
        unverified.put(uid, checksum(message));
    }

    Map<Long, String> unverified() {
        return Map.copyOf(unverified);
    }

    /** Checked, whatever the outcome: not checked again, and expunged next. */
    void checked(long uid) {
        unverified.remove(uid);
        toExpunge.add(uid);
    }

    Set<Long> toExpunge() {
        return Set.copyOf(toExpunge);
    }

    void expunged(Set<Long> uids) {
        toExpunge.removeAll(uids);
    }

    static boolean matches(String checksum, byte[] message) {
        return checksum.equals(checksum(message));
    }

    static String checksum(byte[] message) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(message));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

}
