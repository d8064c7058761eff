package dev.postern.imap;

/** Character classes of the RFC 9051 formal syntax (section 9). */
public final class ImapSyntax {
    private ImapSyntax() {
    }

    /**
     * ATOM-CHAR: any CHAR except atom-specials. CHAR is 7-bit, so an 8-bit octet is no ATOM-CHAR: the parser
     * answers BAD rather than guess an encoding (8-bit text travels in quoted strings and literals).
     */
    public static boolean isAtomChar(byte b) {
        int c = b & 0xff;
        if (c <= 0x1f || c >= 0x7f) {
            return false;
        }
        return switch (c) {
            case '(', ')', '{', ' ', '%', '*', '"', '\\', ']' -> false;
            default -> true;
        };
    }

    /** ASTRING-CHAR: ATOM-CHAR or "]". */
    public static boolean isAstringChar(byte b) {
        return isAtomChar(b) || b == ']';
    }

    /** Tag characters: ASTRING-CHAR except "+", 7-bit only. */
    public static boolean isTagChar(byte b) {
        return b != '+' && (b & 0x80) == 0 && isAstringChar(b);
    }
}
