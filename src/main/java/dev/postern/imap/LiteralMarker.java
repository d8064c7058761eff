package dev.postern.imap;

/**
 * The literal announcement that ends a line: {@code {n}} (synchronizing) or {@code {n+}} (non-synchronizing,
 * RFC 7888). {@code size} is -1 when the braces hold something that is not a number that fits.
 */
record LiteralMarker(int size, boolean synchronizing) {

    /** The marker ending {@code line}, or null when the line does not end with one. */
    static LiteralMarker at(byte[] line) {
        int end = line.length - 1;
        if (end < 2 || line[end] != '}') {
            return null;
        }
        int close = end;
        boolean plus = line[end - 1] == '+';
        int digitsEnd = plus ? end - 1 : end;
        int open = digitsEnd - 1;
        while (open >= 0 && line[open] >= '0' && line[open] <= '9') {
            open--;
        }
        if (open < 0 || line[open] != '{') {
            return null;
        }
        int digits = digitsEnd - open - 1;
        if (digits == 0 || digits > 10) {
            return close > open ? new LiteralMarker(-1, !plus) : null;
        }
        long size = 0;
        for (int i = open + 1; i < digitsEnd; i++) {
            size = size * 10 + (line[i] - '0');
        }
        return new LiteralMarker(size > Integer.MAX_VALUE ? -1 : (int) size, !plus);
    }
}
