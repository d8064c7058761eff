package dev.postern.imap;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The command parser on frames as the framer builds them. Arguments are compared through a plain rendering:
 * {@code atom}, {@code "quoted"}, {@code {literal}}, {@code NIL}, {@code (list items)}.
 */
class CommandParserTest {
    private static final String EIGHT_BIT_ATOM = "8-bit octet in an atom (send it as a quoted string or a literal)";

    static Stream<Arguments> commands() {
        return Stream.of(
                ok(List.of("a1 NOOP"), "a1", "NOOP", List.of()),
                ok(List.of("a1 noop"), "a1", "NOOP", List.of()),
                ok(List.of("A.b-c] capability"), "A.b-c]", "CAPABILITY", List.of()),
                ok(List.of("a LOGIN user pass"), "a", "LOGIN", List.of("user", "pass")),
                ok(List.of("a LOGIN us]er p@ss!#"), "a", "LOGIN", List.of("us]er", "p@ss!#")),
                ok(List.of("a LOGIN \"j\u00f6s\u00e9@example.org\" pass"), "a", "LOGIN",
                        List.of("\"j\u00f6s\u00e9@example.org\"", "pass")),
                ok(List.of("a LOGIN \"us er\" \"p\\\"a\\\\ss\""), "a", "LOGIN",
                        List.of("\"us er\"", "\"p\"a\\ss\"")),
                ok(List.of("a LOGIN \"\" \"\""), "a", "LOGIN", List.of("\"\"", "\"\"")),
                ok(List.of("a LOGIN \"(){}%*]\" x"), "a", "LOGIN", List.of("\"(){}%*]\"", "x")),
                ok(List.of("a LOGIN {4}", " {2}", ""), "a", "LOGIN", List.of("{user}", "{pw}"),
                        List.of("user", "pw")),
                ok(List.of("a LOGIN {4+}", " \"pw\""), "a", "LOGIN", List.of("{user}", "\"pw\""),
                        List.of("user")),
                ok(List.of("a LOGIN {5}", " {0+}", ""), "a", "LOGIN", List.of("{a\r\nb\0}", "{}"),
                        List.of("a\r\nb\0", "")),
                ok(List.of("a ID NIL"), "a", "ID", List.of("NIL")),
                ok(List.of("a ID nil"), "a", "ID", List.of("NIL")),
                ok(List.of("a LOGIN NILS x"), "a", "LOGIN", List.of("NILS", "x")),
                ok(List.of("a ID ()"), "a", "ID", List.of("()")),
                ok(List.of("a ID (\"name\" \"mutt\" \"version\" NIL)"), "a", "ID",
                        List.of("(\"name\" \"mutt\" \"version\" NIL)")),
                ok(List.of("a ID ((\"a\" (b ())) c)"), "a", "ID", List.of("((\"a\" (b ())) c)")),
                ok(List.of("a ID (\"name\" {3}", ")"), "a", "ID", List.of("(\"name\" {foo})"),
                        List.of("foo")),
                ok(List.of("a ID (" + "(".repeat(7) + ")".repeat(8)), "a", "ID",
                        List.of("(" + "(".repeat(7) + ")".repeat(8))),
                ok(List.of("a LOGIN"), "a", "LOGIN", List.of()));
    }

    @ParameterizedTest(name = "{0} {4}")
    @MethodSource("commands")
    void parsesTagNameAndArguments(List<String> lines, String tag, String name, List<String> args,
                                   List<String> literals) throws ImapSyntaxException {
        ImapCommand command = parse(lines, literals);
        assertEquals(tag, command.tag());
        assertEquals(name, command.name());
        assertEquals(args, command.args().stream().map(CommandParserTest::render).toList());
    }

    static Stream<Arguments> errors() {
        return Stream.of(
                bad(List.of(""), "*", "Empty command line"),
                bad(List.of("+ NOOP"), "*", "Invalid tag"),
                bad(List.of("* NOOP"), "*", "Invalid tag"),
                bad(List.of(" NOOP"), "*", "Invalid tag"),
                bad(List.of("a+b NOOP"), "*", "Invalid tag"),
                bad(List.of("a{1 NOOP"), "*", "Invalid tag"),
                bad(List.of("a1"), "*", "Invalid tag"),
                bad(List.of("a "), "a", "Missing command name"),
                bad(List.of("a  NOOP"), "a", "Missing command name"),
                bad(List.of("a NOOP "), "a", "Trailing space"),
                bad(List.of("a LOGIN u p "), "a", "Trailing space"),
                bad(List.of("a NOOP("), "a", "Expected a space between arguments"),
                bad(List.of("a LOGIN \"u\"p"), "a", "Expected a space between arguments"),
                bad(List.of("a LOGIN u  p"), "a", "Invalid character in argument"),
                bad(List.of("a LOGIN u\u0001 p"), "a", "Expected a space between arguments"),
                bad(List.of("a LOGIN \u0001 p"), "a", "Invalid character in argument"),
                bad(List.of("a LOGIN % p"), "a", "Invalid character in argument"),
                bad(List.of("a LOGIN \"u\\x\" p"), "a", "Invalid escape in quoted string"),
                bad(List.of("a LOGIN \"u\\"), "a", "Invalid escape in quoted string"),
                bad(List.of("a LOGIN \"unterminated"), "a", "Unterminated quoted string"),
                bad(List.of("a LOGIN \"ends with escaped quote\\\""), "a", "Unterminated quoted string"),
                bad(List.of("a LOGIN u\0 p"), "a", "NUL octet in command"),
                bad(List.of("+ LOGIN u\0 p"), "*", "NUL octet in command"),
                bad(List.of("a LOGIN {1}", " p\0"), "a", "NUL octet in command", List.of("u")),
                bad(List.of("a LOGIN {3} p"), "a", "Invalid literal"),
                bad(List.of("a LOGIN {3}"), "a", "Invalid literal"),
                bad(List.of("a ID ("), "a", "Missing argument"),
                bad(List.of("a ID (a "), "a", "Missing argument"),
                bad(List.of("a ID (a b"), "a", "Unterminated list"),
                bad(List.of("a ID (a)b"), "a", "Expected a space between arguments"),
                bad(List.of("a ID " + "(".repeat(9) + ")".repeat(9)), "a", "Lists nested too deeply"),
                // ATOM-CHAR is 7-bit (RFC 9051 section 9): 8-bit octets travel in quoted strings or literals.
                bad(List.of("a LOGIN j\u00f6s\u00e9@example.org pass"), "a", EIGHT_BIT_ATOM),
                bad(List.of("a LOGIN \u00e9 pass"), "a", EIGHT_BIT_ATOM),
                bad(List.of("a LOGIN user p\u00e4ss"), "a", EIGHT_BIT_ATOM));
    }

    @ParameterizedTest(name = "{0} {3}")
    @MethodSource("errors")
    void rejectsMalformedCommandsNamingTheTagWhenKnown(List<String> lines, String tag, String message,
                                                      List<String> literals) {
        ImapSyntaxException e = assertThrows(ImapSyntaxException.class, () -> parse(lines, literals));
        assertEquals(tag, e.tag());
        assertEquals(message, e.getMessage());
    }

    @Test
    void stringsKeepTheirOctetsAndKind() throws ImapSyntaxException {
        ImapCommand command = parse(List.of("a LOGIN \"q\\\\\" {2}", " atom"), List.of("\r\n"));
        ImapArg.Str quoted = assertInstanceOf(ImapArg.Str.class, command.args().get(0));
        assertFalse(quoted.literal());
        assertArrayEquals("q\\".getBytes(UTF_8), quoted.value());
        ImapArg.Str literal = assertInstanceOf(ImapArg.Str.class, command.args().get(1));
        assertTrue(literal.literal());
        assertArrayEquals(new byte[] {'\r', '\n'}, literal.value());
        ImapArg.Atom atom = assertInstanceOf(ImapArg.Atom.class, command.args().get(2));
        assertEquals("atom", atom.value());
    }

    @Test
    void astringBytesCoverAtomsStringsAndNilButNotLists() throws ImapSyntaxException {
        ImapCommand command = parse(List.of("a X atom \"quoted\" NIL () {3}", ""), List.of("lit"));
        List<ImapArg> args = command.args();
        assertArrayEquals("atom".getBytes(UTF_8), args.get(0).astringBytes());
        assertArrayEquals("quoted".getBytes(UTF_8), args.get(1).astringBytes());
        assertArrayEquals("NIL".getBytes(UTF_8), args.get(2).astringBytes());
        assertNull(args.get(3).astringBytes());
        assertArrayEquals("lit".getBytes(UTF_8), args.get(4).astringBytes());
    }

    /** Finding 8g: astring = 1*ASTRING-CHAR / string (RFC 9051 section 9), and NIL is such an atom. */
    @Test
    void nilInAnAstringPositionIsTheAtomAsSpelled() throws ImapSyntaxException {
        ImapCommand command = parse(List.of("a LOGIN NIL nil"), List.of());
        assertInstanceOf(ImapArg.Nil.class, command.args().get(0));
        assertArrayEquals("NIL".getBytes(UTF_8), command.args().get(0).astringBytes());
        assertArrayEquals("nil".getBytes(UTF_8), command.args().get(1).astringBytes());
    }

    /** Finding 8g: a UTF-8 quoted string or literal reaches the login with its octets, whatever they are. */
    @Test
    void eightBitStringsKeepTheirExactOctets() throws ImapSyntaxException {
        byte[] latin1 = {'j', (byte) 0xf6, 'r', 'g'};
        ImapCommand command = parse(List.of("a LOGIN \"j\u00f6rg\" {4}", ""), List.of("j\u00f6rg"));
        assertArrayEquals("j\u00f6rg".getBytes(UTF_8), command.args().get(0).astringBytes());
        assertArrayEquals(latin1, command.args().get(1).astringBytes());
    }

    @Test
    void errorMessagesNeverQuoteArgumentOctets() {
        String secret = "Sup3rSecretPw";
        for (String line : List.of("a LOGIN user \"" + secret, "a LOGIN user \"" + secret + "\\q\"",
                "a LOGIN user " + secret + "\u0001", "a LOGIN user " + secret + "\0")) {
            ImapSyntaxException e = assertThrows(ImapSyntaxException.class, () -> parse(List.of(line), List.of()));
            assertFalse(e.getMessage().contains(secret), e.getMessage());
        }
    }

    @Test
    void toStringsHideStringOctets() throws ImapSyntaxException {
        ImapCommand command = parse(List.of("a LOGIN user \"Sup3rSecretPw\""), List.of());
        assertFalse(command.toString().contains("Sup3rSecretPw"));
        assertFalse(command.args().toString().contains("Sup3rSecretPw"));
    }

    /** Finding 8m: a password sent as an atom is no more visible than one sent as a string. */
    @Test
    void toStringsHideAtomOctets() throws ImapSyntaxException {
        ImapCommand command = parse(List.of("a LOGIN user Sup3rSecretPw"), List.of());
        assertFalse(command.args().toString().contains("Sup3rSecretPw"), command.args().toString());
        assertFalse(command.args().get(1).toString().contains("Sup3rSecretPw"));
    }

    /** Finding 8m: wiping a command overwrites the octets of every atom and string it holds, lists included. */
    @Test
    void wipeZeroesEveryArgumentsOctets() throws ImapSyntaxException {
        ImapCommand command = parse(List.of("a LOGIN user \"Sup3rSecretPw\" (nested \"x\") {3}", ""),
                List.of("lit"));
        List<byte[]> held = new ArrayList<>();
        for (ImapArg arg : command.args()) {
            collect(arg, held);
        }
        command.wipe();
        assertEquals(5, held.size());
        for (byte[] b : held) {
            assertArrayEquals(new byte[b.length], b);
        }
    }

    private static void collect(ImapArg arg, List<byte[]> into) {
        if (arg instanceof ImapArg.ParenList list) {
            list.items().forEach(item -> collect(item, into));
        } else if (arg instanceof ImapArg.Atom a) {
            into.add(a.octets());
        } else if (arg instanceof ImapArg.Str s) {
            into.add(s.value());
        }
    }

    // ---- helpers ----

    /** args: lines, then optionally the literals, the tag, the name and the rendered arguments. */
    private static Arguments ok(List<String> lines, String tag, String name, List<String> args) {
        return Arguments.of(lines, tag, name, args, List.of());
    }

    private static Arguments ok(List<String> lines, String tag, String name, List<String> args, List<String> literals) {
        return Arguments.of(lines, tag, name, args, literals);
    }

    private static Arguments bad(List<String> lines, String tag, String message) {
        return Arguments.of(lines, tag, message, List.of());
    }

    private static Arguments bad(List<String> lines, String tag, String message, List<String> literals) {
        return Arguments.of(lines, tag, message, literals);
    }

    /** Lines are sent as UTF-8; literal strings map one char to one octet (ISO-8859-1). */
    private static ImapCommand parse(List<String> lines, List<String> literals) throws ImapSyntaxException {
        List<byte[]> l = new ArrayList<>();
        lines.forEach(s -> l.add(s.getBytes(UTF_8)));
        List<byte[]> lits = new ArrayList<>();
        literals.forEach(s -> lits.add(s.getBytes(ISO_8859_1)));
        return CommandParser.parse(new CommandFrame(l, lits));
    }

    private static String render(ImapArg arg) {
        if (arg instanceof ImapArg.Atom a) {
            return a.value();
        }
        if (arg instanceof ImapArg.Nil) {
            return "NIL";
        }
        if (arg instanceof ImapArg.Str s) {
            String v = new String(s.value(), s.literal() ? ISO_8859_1 : UTF_8);
            return s.literal() ? "{" + v + "}" : "\"" + v + "\"";
        }
        ImapArg.ParenList list = (ImapArg.ParenList) arg;
        StringBuilder sb = new StringBuilder("(");
        for (int i = 0; i < list.items().size(); i++) {
            sb.append(i == 0 ? "" : " ").append(render(list.items().get(i)));
        }
        return sb.append(')').toString();
    }
}
