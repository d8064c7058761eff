package dev.postern.tls;

import io.netty.handler.ssl.OpenSslSessionTicketKey;
import java.security.SecureRandom;

/**
 * Session ticket keys kept in memory and rotated on a schedule: the newest key encrypts new tickets, the previous
 * one still decrypts tickets issued before the last rotation. Shared by every server context, including contexts
 * rebuilt after a certificate change, so rotation never breaks resumption.
 */
final class TicketKeys {
    private final SecureRandom random = new SecureRandom();
    private volatile OpenSslSessionTicketKey[] keys;

    TicketKeys() {
        keys = new OpenSslSessionTicketKey[] {newKey()};
    }

    /** Makes a new encrypting key; the previous one stays for decryption. */
    synchronized OpenSslSessionTicketKey[] rotate() {
        keys = new OpenSslSessionTicketKey[] {newKey(), keys[0]};
        return keys;
    }

    OpenSslSessionTicketKey[] current() {
        return keys.clone();
    }

    private OpenSslSessionTicketKey newKey() {
        byte[] name = new byte[OpenSslSessionTicketKey.NAME_SIZE];
        byte[] hmac = new byte[OpenSslSessionTicketKey.HMAC_KEY_SIZE];
        byte[] aes = new byte[OpenSslSessionTicketKey.AES_KEY_SIZE];
        random.nextBytes(name);
        random.nextBytes(hmac);
        random.nextBytes(aes);
        return new OpenSslSessionTicketKey(name, hmac, aes);
    }
}
