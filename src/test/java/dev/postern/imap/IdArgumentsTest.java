package dev.postern.imap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** RFC 2971: NIL or at most 30 pairs; field names strings of up to 30 octets; values NIL or up to 1024 octets. */
class IdArgumentsTest {
    private static final ImapArg NIL = new ImapArg.Nil();

    private static ImapArg str(String s) {
        return new ImapArg.Str(s.getBytes(StandardCharsets.UTF_8), false);
    }

    private static List<ImapArg> list(ImapArg... items) {
        return List.of(new ImapArg.ParenList(List.of(items)));
    }

    @Test
    void nilAnEmptyListAndFieldsWithStringOrNilValuesAreValid() {
        assertNull(IdArguments.validate(List.of(NIL)));
        assertNull(IdArguments.validate(list()));
        assertNull(IdArguments.validate(list(str("name"), str("Thunderbird"), str("version"), NIL)));
    }

    @Test
    void theLimitsThemselvesAreValid() {
        List<ImapArg> pairs = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            pairs.add(str(String.format("f%02d", i) + "x".repeat(27)));
            pairs.add(str("v".repeat(1024)));
        }
        assertNull(IdArguments.validate(List.of(new ImapArg.ParenList(pairs))));
        // Octets, not characters: 15 two-octet characters are 30 octets.
        assertNull(IdArguments.validate(list(str("é".repeat(15)), str("ü".repeat(512)))));
    }

    @Test
    void oneOverEachLimitIsRefused() {
        List<ImapArg> pairs = new ArrayList<>();
        for (int i = 0; i < 31; i++) {
            pairs.add(str("f" + i));
            pairs.add(str("v"));
        }
        assertEquals("ID list must hold at most 30 field/value pairs",
                IdArguments.validate(List.of(new ImapArg.ParenList(pairs))));
        assertEquals("ID field names are strings of at most 30 octets",
                IdArguments.validate(list(str("f".repeat(31)), str("v"))));
        assertEquals("ID field names are strings of at most 30 octets",
                IdArguments.validate(list(str("é".repeat(16)), str("v"))));
        assertEquals("ID values are NIL or strings of at most 1024 octets",
                IdArguments.validate(list(str("name"), str("v".repeat(1025)))));
    }

    @Test
    void malformedArgumentsAreRefused() {
        assertEquals("ID list must hold at most 30 field/value pairs", IdArguments.validate(list(str("name"))));
        assertEquals("ID field names are strings of at most 30 octets",
                IdArguments.validate(list(new ImapArg.Atom("name"), str("x"))));
        assertEquals("ID field names are strings of at most 30 octets", IdArguments.validate(list(NIL, str("x"))));
        assertEquals("ID values are NIL or strings of at most 1024 octets",
                IdArguments.validate(list(str("name"), new ImapArg.ParenList(List.of(str("x"))))));
        assertEquals("ID values are NIL or strings of at most 1024 octets",
                IdArguments.validate(list(str("name"), new ImapArg.Atom("x"))));
        assertEquals("ID takes one argument", IdArguments.validate(List.of()));
        assertEquals("ID takes one argument", IdArguments.validate(List.of(NIL, NIL)));
        assertEquals("ID takes a list or NIL", IdArguments.validate(List.of(new ImapArg.Atom("foo"))));
        assertEquals("ID takes a list or NIL", IdArguments.validate(List.of(str("foo"))));
    }
}
