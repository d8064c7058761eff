package dev.postern.imap;

import java.util.List;

/**
 * One complete client command as framed off the wire: its line segments and the literals between them.
 * Line {@code i} ends with the literal marker of literal {@code i}; so {@code lines.size() == literals.size() + 1}.
 * Lines exclude their CRLF.
 */
public record CommandFrame(List<byte[]> lines, List<byte[]> literals) {
    public CommandFrame {
        lines = List.copyOf(lines);
        literals = List.copyOf(literals);
        if (lines.size() != literals.size() + 1) {
            throw new IllegalArgumentException("lines and literals out of step");
        }
    }

    /** Overwrites every byte; called once the command (which may hold a password) has been used. */
    public void wipe() {
        lines.forEach(b -> java.util.Arrays.fill(b, (byte) 0));
        literals.forEach(b -> java.util.Arrays.fill(b, (byte) 0));
    }

    @Override
    public String toString() {
        return "CommandFrame[" + lines.size() + " lines, " + literals.size() + " literals]";
    }
}
