package dev.postern.it;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Random;

/** RFC 5322 messages for the integration tests, with CRLF line endings throughout (IMAP's wire form). */
final class TestMessages {
    /** 5 MiB: bigger than any pre-auth bound and than every relay buffer, so backpressure has to work. */
    static final int FIVE_MIB = 5 * 1024 * 1024;

    private static final byte[] ALPHABET =
            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=.,-_ ".getBytes(StandardCharsets.US_ASCII);
    private static final int LINE_LENGTH = 76;

    private TestMessages() {
    }

    /** A small text message. */
    static byte[] small(String subject, String body) {
        return (headers(subject) + body + "\r\n").getBytes(StandardCharsets.US_ASCII);
    }

    /**
     * A message whose body is exactly {@code bodyBytes} octets of 7-bit text in CRLF-terminated lines of at most
     * 78 octets, pseudo-random from {@code seed} so a corrupted, reordered or truncated copy is told apart.
     */
    static byte[] large(String subject, int bodyBytes, long seed) {
        byte[] head = headers(subject).getBytes(StandardCharsets.US_ASCII);
        ByteArrayOutputStream out = new ByteArrayOutputStream(head.length + bodyBytes);
        out.writeBytes(head);
        Random random = new Random(seed);
        int left = bodyBytes;
        if (bodyBytes < 2) {
            throw new IllegalArgumentException("a body of CRLF-terminated lines has at least 2 octets");
        }
        while (left > 0) {
            int line = Math.min(LINE_LENGTH, left - 2);
            if (left - (line + 2) == 1) {
                line--; // never leave a single octet for the last line
            }
            for (int i = 0; i < line; i++) {
                // no space at either end of a line: nothing a mail store might trim
                byte b = ALPHABET[random.nextInt(ALPHABET.length)];
                out.write(b == ' ' && (i == 0 || i == line - 1) ? '~' : b);
            }
            out.write('\r');
            out.write('\n');
            left -= line + 2;
        }
        return out.toByteArray();
    }

    private static String headers(String subject) {
        return "From: Postern IT <it@postern.test>\r\n"
                + "To: Postern IT <it@postern.test>\r\n"
                + "Subject: " + subject + "\r\n"
                + "Date: Sat, 21 Nov 2026 12:00:00 +0000\r\n"
                + "Message-ID: <" + Integer.toHexString(subject.hashCode()) + "@postern.test>\r\n"
                + "MIME-Version: 1.0\r\n"
                + "Content-Type: text/plain; charset=us-ascii\r\n"
                + "Content-Transfer-Encoding: 7bit\r\n"
                + "\r\n";
    }
}
