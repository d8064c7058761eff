package dev.postern.imap;

import java.util.Locale;

/**
 * One server response line, split as RFC 9051 7.1 describes: {@code tag SP status SP ["[" code "]" SP] text},
 * an untagged {@code * ...} line, or a {@code + ...} continuation request.
 *
 * @param tag "*" for untagged, "+" for a continuation, else the command tag
 * @param status upper-case status or untagged keyword (OK, NO, BAD, BYE, PREAUTH, CAPABILITY, ...)
 * @param code the bracketed response code without brackets, or null
 * @param text what follows the status and code
 */
public record ResponseLine(String tag, String status, String code, String text) {

    public static ResponseLine parse(String line) {
        if (line.startsWith("+")) {
            return new ResponseLine("+", "", null, line.startsWith("+ ") ? line.substring(2) : line.substring(1));
        }
        int sp = line.indexOf(' ');
        if (sp <= 0) {
            return new ResponseLine(line, "", null, "");
        }
        String tag = line.substring(0, sp);
        String rest = line.substring(sp + 1);
        int sp2 = rest.indexOf(' ');
        String status = (sp2 < 0 ? rest : rest.substring(0, sp2)).toUpperCase(Locale.ROOT);
        String after = sp2 < 0 ? "" : rest.substring(sp2 + 1);
        String code = null;
        if (after.startsWith("[")) {
            int close = after.indexOf(']');
            if (close > 0) {
                code = after.substring(1, close);
                after = after.substring(close + 1).stripLeading();
            }
        }
        return new ResponseLine(tag, status, code, after);
    }

    public boolean untagged() {
        return tag.equals("*");
    }

    public boolean continuation() {
        return tag.equals("+");
    }

    /** The capability list carried by a {@code [CAPABILITY ...]} code, or null. */
    public String capabilityCode() {
        if (code != null && code.regionMatches(true, 0, "CAPABILITY ", 0, 11)) {
            return code.substring(11);
        }
        return null;
    }

    /** Status, code and text as they would follow a tag, for passing a reply on to the client. */
    public String afterTag() {
        return status + " " + (code == null ? "" : "[" + code + "] ") + text;
    }
}
