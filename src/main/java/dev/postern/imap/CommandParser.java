package dev.postern.imap;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Parses a {@link CommandFrame} into tag, command name and arguments (atoms, quoted strings, literals, NIL and
 * parenthesized lists), per the RFC 9051 grammar. Messages never quote argument bytes, which may be a password.
 */
public final class CommandParser {
    private static final int MAX_DEPTH = 8;

    private final CommandFrame frame;
    private int lineIndex;
    private byte[] line;
    private int pos;
    private String tag = "*";

    private CommandParser(CommandFrame frame) {
        this.frame = frame;
        this.line = frame.lines().get(0);
    }

    public static ImapCommand parse(CommandFrame frame) throws ImapSyntaxException {
        return new CommandParser(frame).command();
    }

    private ImapCommand command() throws ImapSyntaxException {
        for (byte[] l : frame.lines()) {
            for (byte b : l) {
                if (b == 0) {
                    throw new ImapSyntaxException(ImapCommandFramer.tagOf(frame.lines().get(0)), "NUL octet in command");
                }
            }
        }
        int start = pos;
        while (pos < line.length && ImapSyntax.isTagChar(line[pos])) {
            pos++;
        }
        if (pos == start || pos >= line.length || line[pos] != ' ') {
            throw new ImapSyntaxException("*", pos == start && line.length == 0 ? "Empty command line" : "Invalid tag");
        }
        tag = new String(line, start, pos - start, StandardCharsets.US_ASCII);
        pos++;
        start = pos;
        while (pos < line.length && isCommandChar(line[pos])) {
            pos++;
        }
        if (pos == start) {
            throw new ImapSyntaxException(tag, "Missing command name");
        }
        String name = new String(line, start, pos - start, StandardCharsets.US_ASCII).toUpperCase(Locale.ROOT);
        List<ImapArg> args = new ArrayList<>();
        while (!atEnd()) {
            expectSpace();
            args.add(arg(0));
        }
        return new ImapCommand(tag, name, args);
    }

    private static boolean isCommandChar(byte b) {
        return (b >= 'A' && b <= 'Z') || (b >= 'a' && b <= 'z') || (b >= '0' && b <= '9') || b == '-' || b == '_';
    }

    /** End of the command: end of the last line (a literal marker belongs to the current argument). */
    private boolean atEnd() {
        return pos >= line.length && lineIndex == frame.lines().size() - 1;
    }

    private void expectSpace() throws ImapSyntaxException {
        if (pos >= line.length || line[pos] != ' ') {
            throw new ImapSyntaxException(tag, "Expected a space between arguments");
        }
        pos++;
        if (pos >= line.length && lineIndex == frame.lines().size() - 1) {
            throw new ImapSyntaxException(tag, "Trailing space");
        }
    }

    private ImapArg arg(int depth) throws ImapSyntaxException {
        if (pos >= line.length) {
            throw new ImapSyntaxException(tag, "Missing argument");
        }
        byte b = line[pos];
        if (b == '"') {
            return quoted();
        }
        if (b == '{') {
            return literal();
        }
        if (b == '(') {
            if (depth >= MAX_DEPTH) {
                throw new ImapSyntaxException(tag, "Lists nested too deeply");
            }
            return list(depth + 1);
        }
        int start = pos;
        while (pos < line.length && ImapSyntax.isAstringChar(line[pos])) {
            pos++;
        }
        if (pos < line.length && (line[pos] & 0x80) != 0) {
            throw new ImapSyntaxException(tag, "8-bit octet in an atom (send it as a quoted string or a literal)");
        }
        if (pos == start) {
            throw new ImapSyntaxException(tag, "Invalid character in argument");
        }
        byte[] atom = java.util.Arrays.copyOfRange(line, start, pos);
        if (atom.length == 3 && (atom[0] | 0x20) == 'n' && (atom[1] | 0x20) == 'i' && (atom[2] | 0x20) == 'l') {
            return new ImapArg.Nil(new String(atom, StandardCharsets.US_ASCII));
        }
        return new ImapArg.Atom(atom);
    }

    private ImapArg quoted() throws ImapSyntaxException {
        pos++;
        // At most the rest of the line: the buffer never grows, and is wiped whatever happens.
        SecretBytes.Buffer out = new SecretBytes.Buffer(line.length - pos);
        try {
            return quotedInto(out);
        } finally {
            out.wipe();
        }
    }

    private ImapArg quotedInto(SecretBytes.Buffer out) throws ImapSyntaxException {
        while (pos < line.length) {
            byte b = line[pos++];
            if (b == '"') {
                return new ImapArg.Str(out.toByteArray(), false);
            }
            if (b == '\\') {
                if (pos >= line.length || (line[pos] != '"' && line[pos] != '\\')) {
                    throw new ImapSyntaxException(tag, "Invalid escape in quoted string");
                }
                b = line[pos++];
            }
            out.write(b);
        }
        throw new ImapSyntaxException(tag, "Unterminated quoted string");
    }

    /** A literal marker must end its line; the literal's octets are the frame's next literal. */
    private ImapArg literal() throws ImapSyntaxException {
        LiteralMarker marker = LiteralMarker.at(line);
        if (marker == null || marker.size() < 0 || lineIndex >= frame.literals().size() || pos != lastOpenBrace(line)) {
            throw new ImapSyntaxException(tag, "Invalid literal");
        }
        byte[] value = frame.literals().get(lineIndex);
        lineIndex++;
        line = frame.lines().get(lineIndex);
        pos = 0;
        return new ImapArg.Str(value, true);
    }

    private static int lastOpenBrace(byte[] l) {
        for (int i = l.length - 1; i >= 0; i--) {
            if (l[i] == '{') {
                return i;
            }
        }
        return -1;
    }

    private ImapArg list(int depth) throws ImapSyntaxException {
        pos++;
        List<ImapArg> items = new ArrayList<>();
        if (pos < line.length && line[pos] == ')') {
            pos++;
            return new ImapArg.ParenList(items);
        }
        while (true) {
            items.add(arg(depth));
            if (pos < line.length && line[pos] == ')') {
                pos++;
                return new ImapArg.ParenList(items);
            }
            if (pos >= line.length || line[pos] != ' ') {
                throw new ImapSyntaxException(tag, "Unterminated list");
            }
            pos++;
        }
    }
}
