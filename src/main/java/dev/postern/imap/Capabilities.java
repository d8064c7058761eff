package dev.postern.imap;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicReferenceArray;

/** Capability lists: what Postern offers before login, and what it passes on from a backend after login. */
public final class Capabilities {
    private Capabilities() {
    }

    /**
     * Pre-auth capabilities (RFC 9051, RFC 2595, RFC 4959, RFC 7888, RFC 2971). Never unlimited LITERAL+ before
     * login: LITERAL- caps what a client may push unasked at 4096 octets.
     *
     * @param startTlsOffered a plain connection on a STARTTLS listener
     * @param loginAllowed false while TLS is required and not yet up: LOGINDISABLED and no AUTH=
     * @param saslMechanisms the mechanisms offered once login is allowed, in order ({@code AUTH=<name>} each)
     */
    public static String preAuth(boolean startTlsOffered, boolean loginAllowed, List<String> saslMechanisms) {
        StringBuilder sb = new StringBuilder("IMAP4rev1 SASL-IR ID LITERAL-");
        if (startTlsOffered) {
            sb.append(" STARTTLS");
        }
        if (!loginAllowed) {
            sb.append(" LOGINDISABLED");
            return sb.toString();
        }
        for (String mechanism : saslMechanisms) {
            sb.append(" AUTH=").append(mechanism);
        }
        return sb.toString();
    }

    /**
     * A backend's post-login capability list ({@code text}, "IMAP4rev1 IDLE ...") as words, minus those that only
     * make sense before login.
     */
    public static List<String> postLogin(String text) {
        return parsed(text).postLogin();
    }

    /** Splits a capability list ("IMAP4rev1 IDLE ...") into its words; the list is immutable. */
    public static List<String> split(String text) {
        return parsed(text).words();
    }

    /**
     * Backends send the same few capability lists on every login, so the last lists seen are kept parsed in a small
     * table indexed by their hash: a hit costs a hash and a comparison instead of splitting and filtering some 40
     * words (this was the login path's top allocation site). Entries are immutable, so a race only costs a parse.
     */
    private static Parsed parsed(String text) {
        int slot = text.hashCode() & (RECENT.length() - 1);
        Parsed known = RECENT.get(slot);
        if (known != null && known.text().equals(text)) {
            return known;
        }
        Parsed fresh = Parsed.of(text);
        RECENT.set(slot, fresh);
        return fresh;
    }

    private static final AtomicReferenceArray<Parsed> RECENT = new AtomicReferenceArray<>(16);

    private record Parsed(String text, List<String> words, List<String> postLogin) {
        static Parsed of(String text) {
            List<String> words = new ArrayList<>();
            String body = text.trim();
            for (int i = 0; i < body.length(); ) {
                int end = body.indexOf(' ', i);
                end = end < 0 ? body.length() : end;
                if (end > i) {
                    words.add(body.substring(i, end));
                }
                i = end + 1;
            }
            List<String> postLogin = new ArrayList<>(words.size());
            for (String cap : words) {
                String upper = cap.toUpperCase(Locale.ROOT);
                if (!upper.equals("STARTTLS") && !upper.equals("LOGINDISABLED") && !upper.startsWith("AUTH=")
                        && !upper.equals("SASL-IR") && !upper.equals("LOGIN-REFERRALS")) {
                    postLogin.add(cap);
                }
            }
            return new Parsed(text, List.copyOf(words), List.copyOf(postLogin));
        }
    }

    public static boolean has(List<String> caps, String name) {
        for (String cap : caps) {
            if (cap.equalsIgnoreCase(name)) {
                return true;
            }
        }
        return false;
    }
}
