package dev.postern.imap;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

/**
 * One parsed argument of a command: an atom, a string (quoted or literal), NIL, or a parenthesized list. Atoms and
 * strings keep their octets in arrays (any of them may be a password): {@link #wipe()} overwrites them, and no
 * {@code toString} shows them.
 */
public sealed interface ImapArg {

    /** An atom: 7-bit octets only (ATOM-CHAR, RFC 9051 section 9), so its text is exactly its octets. */
    record Atom(byte[] octets) implements ImapArg {
        public Atom(String value) {
            this(value.getBytes(StandardCharsets.US_ASCII));
        }

        public String value() {
            return new String(octets, StandardCharsets.US_ASCII);
        }

        @Override
        public String toString() {
            return "Atom[" + octets.length + " octets]";
        }
    }

    /** A quoted string or a literal; the octets as sent, unescaped. */
    record Str(byte[] value, boolean literal) implements ImapArg {
        public String utf8() {
            return new String(value, StandardCharsets.UTF_8);
        }

        @Override
        public String toString() {
            return "Str[" + value.length + " octets]";
        }
    }

    /**
     * The atom {@code NIL}, spelled as sent. Where the grammar wants an astring it is that atom (astring =
     * 1*ASTRING-CHAR / string): {@code LOGIN NIL nil} is user "NIL", password "nil".
     */
    record Nil(String spelling) implements ImapArg {
        public Nil() {
            this("NIL");
        }
    }

    record ParenList(List<ImapArg> items) implements ImapArg {
        public ParenList {
            items = List.copyOf(items);
        }
    }

    /**
     * The octets of an astring (an atom, NIL as spelled, or a string), or null for a list. Atoms and strings give
     * their own array, so wiping the result wipes the argument.
     */
    default byte[] astringBytes() {
        if (this instanceof Atom a) {
            return a.octets();
        }
        if (this instanceof Nil n) {
            return n.spelling().getBytes(StandardCharsets.US_ASCII);
        }
        if (this instanceof Str s) {
            return s.value();
        }
        return null;
    }

    /** Overwrites the octets of this argument and, for a list, of every item in it. */
    default void wipe() {
        if (this instanceof ParenList list) {
            list.items().forEach(ImapArg::wipe);
        } else if (this instanceof Atom a) {
            Arrays.fill(a.octets(), (byte) 0);
        } else if (this instanceof Str s) {
            Arrays.fill(s.value(), (byte) 0);
        }
    }
}
