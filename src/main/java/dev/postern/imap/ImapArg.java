package dev.postern.imap;

import java.nio.charset.StandardCharsets;
import java.util.List;

/** One parsed argument of a command: an atom, a string (quoted or literal), NIL, or a parenthesized list. */
public sealed interface ImapArg {

    record Atom(String value) implements ImapArg {
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

    record Nil() implements ImapArg {
    }

    record ParenList(List<ImapArg> items) implements ImapArg {
        public ParenList {
            items = List.copyOf(items);
        }
    }

    /** The octets of an atom or a string (astring), or null for NIL and lists. */
    default byte[] astringBytes() {
        if (this instanceof Atom a) {
            return a.value().getBytes(StandardCharsets.UTF_8);
        }
        if (this instanceof Str s) {
            return s.value();
        }
        return null;
    }
}
