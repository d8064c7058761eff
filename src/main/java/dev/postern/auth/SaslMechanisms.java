package dev.postern.auth;

import dev.postern.imap.Credentials;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The mechanisms Postern accepts, in the order they are advertised. Adding a mechanism: its class, one line in
 * {@link #DEFAULT}, its tests.
 */
public final class SaslMechanisms {

    public static final SaslMechanisms DEFAULT = new SaslMechanisms(List.of(
            new PlainMechanism(),
            new LoginMechanism()));

    private final List<SaslMechanism> mechanisms;

    /** The mechanisms of {@code listeners[].sasl}, by name (upper case, validated by the config), in that order. */
    public static SaslMechanisms named(List<String> names) {
        List<SaslMechanism> chosen = new ArrayList<>();
        for (String name : names) {
            chosen.add(switch (name) {
                case "PLAIN" -> new PlainMechanism();
                case "LOGIN" -> new LoginMechanism();
                case "XOAUTH2" -> new BearerMechanism(Credentials.Kind.XOAUTH2);
                case "OAUTHBEARER" -> new BearerMechanism(Credentials.Kind.OAUTHBEARER);
                default -> throw new IllegalArgumentException("unknown SASL mechanism " + name);
            });
        }
        return new SaslMechanisms(chosen);
    }

    public SaslMechanisms(List<SaslMechanism> mechanisms) {
        this.mechanisms = List.copyOf(mechanisms);
    }

    /** The names to advertise as {@code AUTH=<name>}, in order. */
    public List<String> offered(boolean loginAllowed) {
        List<String> names = new ArrayList<>(mechanisms.size());
        for (SaslMechanism m : mechanisms) {
            if (m.offered(loginAllowed)) {
                names.add(m.name());
            }
        }
        return names;
    }

    /** The offered mechanism of that name (any case), or null when there is none. */
    public SaslMechanism find(String name, boolean loginAllowed) {
        String upper = name.toUpperCase(Locale.ROOT);
        for (SaslMechanism m : mechanisms) {
            if (m.name().equals(upper) && m.offered(loginAllowed)) {
                return m;
            }
        }
        return null;
    }
}
