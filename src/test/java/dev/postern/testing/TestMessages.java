package dev.postern.testing;

import java.nio.charset.StandardCharsets;
import java.util.Random;

/** Messages for tests that move mail: what a server stores and gives back byte for byte. */
public final class TestMessages {
    private TestMessages() {
    }

    /**
     * A message of exactly {@code size} octets: a Subject header, then lines of 76 pseudo-random letters (from
     * {@code seed}), every line ended by CRLF and no bare CR or LF anywhere (which a server would rewrite).
     */
    public static byte[] crlf(int size, long seed, String subject) {
        byte[] head = ("Subject: " + subject + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
        if (size < head.length + 3) {
            throw new IllegalArgumentException("a message of " + size + " octets cannot hold its header");
        }
        byte[] out = new byte[size];
        System.arraycopy(head, 0, out, 0, head.length);
        Random random = new Random(seed);
        for (int i = head.length; i < size; i++) {
            int column = (i - head.length) % 78;
            out[i] = column == 76 ? (byte) '\r' : column == 77 ? (byte) '\n' : (byte) ('a' + random.nextInt(26));
        }
        if (out[size - 3] == '\r') {
            out[size - 3] = 'x'; // the last line would otherwise end CR CR LF: a bare CR a server rewrites
        }
        out[size - 2] = '\r';
        out[size - 1] = '\n';
        return out;
    }
}
