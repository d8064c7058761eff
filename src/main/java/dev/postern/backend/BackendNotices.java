package dev.postern.backend;

import dev.postern.imap.ResponseLine;
import java.util.ArrayList;
import java.util.List;

/**
 * The untagged status lines a backend sends while it answers the user's credentials ({@code * OK [ALERT] ...},
 * {@code * NO ...}, {@code * BAD ...}; RFC 9051 section 7.1), kept so that the client sees them before its tagged
 * reply, as it would without a proxy: an ALERT must be shown to the user. Kept from our login command on, through
 * the post-login CAPABILITY; never the greeting, capability data or a {@code [CAPABILITY]} code (Postern consumes
 * those), nor data lines such as {@code * 3 EXISTS}.
 *
 * <p>Each line is already bounded by the backend line limit; it is made one clean line (controls, a lone CR
 * included, become spaces, so nothing can be injected after it), and at most {@link #MAX_LINES} are kept.
 */
final class BackendNotices {
    static final int MAX_LINES = 16;

    private final List<String> lines = new ArrayList<>();

    /** Keeps the line when it is one to pass on; returns whether it was. */
    boolean offer(ResponseLine line) {
        if (!line.untagged() || !isStatus(line.status()) || line.capabilityCode() != null
                || lines.size() >= MAX_LINES) {
            return false;
        }
        lines.add(clean(line.afterTag()));
        return true;
    }

    /** The lines kept, each without {@code * } and CRLF. */
    List<String> lines() {
        return List.copyOf(lines);
    }

    private static boolean isStatus(String status) {
        return status.equals("OK") || status.equals("NO") || status.equals("BAD");
    }

    private static String clean(String text) {
        StringBuilder out = new StringBuilder(text.length());
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            out.append(c < 0x20 || c == 0x7f ? ' ' : c);
        }
        return out.toString().strip();
    }
}
