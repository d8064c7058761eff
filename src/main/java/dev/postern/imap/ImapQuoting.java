package dev.postern.imap;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Writes astrings for commands Postern sends: a quoted string when the octets allow it (7-bit, no CR/LF/NUL),
 * else a literal. The result is a list of parts: each part but the last ends with a synchronizing literal marker
 * and must wait for the server's {@code + } before the next is sent (unless non-synchronizing literals are allowed).
 * The parts may hold a password: the caller wipes them once sent.
 */
public final class ImapQuoting {
    private ImapQuoting() {
    }

    /**
     * Builds {@code prefix arg1 SP arg2 ... CRLF}.
     *
     * @param nonSyncLimit largest literal the server takes without {@code + } (LITERAL+: unlimited, LITERAL-: 4096, else 0)
     */
    public static List<byte[]> command(String prefix, long nonSyncLimit, byte[]... args) {
        List<byte[]> parts = new ArrayList<>();
        int size = prefix.length() + 2;
        for (byte[] arg : args) {
            size += 2 * arg.length + 24;
        }
        // Sized for the worst case (every octet escaped, a literal marker per argument): it never grows, so no
        // copy of a password is left behind unwiped.
        SecretBytes.Buffer current = new SecretBytes.Buffer(size);
        current.writeBytes(prefix.getBytes(StandardCharsets.US_ASCII));
        for (byte[] arg : args) {
            current.write(' ');
            if (quotable(arg)) {
                current.write('"');
                for (byte b : arg) {
                    if (b == '"' || b == '\\') {
                        current.write('\\');
                    }
                    current.write(b);
                }
                current.write('"');
            } else {
                boolean nonSync = arg.length <= nonSyncLimit;
                current.writeBytes(("{" + arg.length + (nonSync ? "+" : "") + "}\r\n").getBytes(StandardCharsets.US_ASCII));
                if (!nonSync) {
                    parts.add(current.take());
                }
                current.writeBytes(arg);
            }
        }
        current.write('\r');
        current.write('\n');
        parts.add(current.take());
        return parts;
    }

    static boolean quotable(byte[] arg) {
        if (arg.length > 1024) {
            return false;
        }
        for (byte b : arg) {
            if (b == 0 || b == '\r' || b == '\n' || (b & 0x80) != 0) {
                return false;
            }
        }
        return true;
    }
}
