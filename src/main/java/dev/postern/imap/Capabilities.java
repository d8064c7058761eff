package dev.postern.imap;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

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

    /** A backend's post-login capabilities minus those that only make sense before login. */
    public static List<String> postLogin(List<String> backend) {
        List<String> out = new ArrayList<>(backend.size());
        for (String cap : backend) {
            String upper = cap.toUpperCase(Locale.ROOT);
            if (upper.equals("STARTTLS") || upper.equals("LOGINDISABLED") || upper.startsWith("AUTH=")
                    || upper.equals("SASL-IR") || upper.equals("LOGIN-REFERRALS")) {
                continue;
            }
            out.add(cap);
        }
        return out;
    }

    /** Splits a capability list ("IMAP4rev1 IDLE ...") into its words. */
    public static List<String> split(String text) {
        List<String> out = new ArrayList<>();
        for (String word : text.trim().split(" +")) {
            if (!word.isEmpty()) {
                out.add(word);
            }
        }
        return out;
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
