package dev.postern.imap;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The arguments of an ID command (RFC 2971): NIL, or a list of at most 30 field/value pairs. */
public final class IdArguments {
    static final int MAX_PAIRS = 30;
    static final int MAX_FIELD_OCTETS = 30;
    static final int MAX_VALUE_OCTETS = 1024;

    private IdArguments() {
    }

    /**
     * Field names are strings of up to 30 octets; values NIL or strings of up to 1024 octets.
     *
     * @return what is wrong, as a text for a BAD reply, or null when the arguments are valid
     */
    public static String validate(List<ImapArg> args) {
        if (args.size() != 1) {
            return "ID takes one argument";
        }
        if (args.get(0) instanceof ImapArg.Nil) {
            return null;
        }
        if (!(args.get(0) instanceof ImapArg.ParenList list)) {
            return "ID takes a list or NIL";
        }
        List<ImapArg> items = list.items();
        if (items.size() % 2 != 0 || items.size() > 2 * MAX_PAIRS) {
            return "ID list must hold at most 30 field/value pairs";
        }
        for (int i = 0; i < items.size(); i += 2) {
            if (!(items.get(i) instanceof ImapArg.Str field && field.value().length <= MAX_FIELD_OCTETS)) {
                return "ID field names are strings of at most 30 octets";
            }
            ImapArg value = items.get(i + 1);
            if (!(value instanceof ImapArg.Nil)
                    && !(value instanceof ImapArg.Str s && s.value().length <= MAX_VALUE_OCTETS)) {
                return "ID values are NIL or strings of at most 1024 octets";
            }
        }
        return null;
    }

    /**
     * The field/value pairs of valid arguments ({@link #validate} said null), names in lower case (RFC 2971 field
     * names are case-insensitive), NIL values left out, a repeated field's last value kept. Bytes that are not UTF-8
     * become U+FFFD.
     */
    public static Map<String, String> fields(List<ImapArg> args) {
        Map<String, String> out = new LinkedHashMap<>();
        if (args.size() == 1 && args.get(0) instanceof ImapArg.ParenList list) {
            List<ImapArg> items = list.items();
            for (int i = 0; i + 1 < items.size(); i += 2) {
                if (items.get(i) instanceof ImapArg.Str field && items.get(i + 1) instanceof ImapArg.Str value) {
                    out.put(new String(field.value(), StandardCharsets.UTF_8).toLowerCase(Locale.ROOT),
                            new String(value.value(), StandardCharsets.UTF_8));
                }
            }
        }
        return out;
    }
}
