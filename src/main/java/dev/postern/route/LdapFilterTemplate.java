package dev.postern.route;

import com.unboundid.ldap.sdk.Filter;

/**
 * An LDAP search filter with placeholders: {@code %u} the login key, {@code %l} its local part, {@code %d} its
 * domain (after the last '@'), {@code %r} the client's address (empty when there is no client: a background
 * refresh). Expanded in one pass over the template, each value RFC 4515-escaped: text that came
 * from the login is never scanned for placeholders again, so {@code alice%d@example.org} stays what it is. Any
 * other {@code %} sequence is kept as written.
 */
final class LdapFilterTemplate {
    private final String template;

    LdapFilterTemplate(String template) {
        this.template = template;
    }

    String expand(String loginKey) {
        return expand(loginKey, "");
    }

    /** @param clientAddress the client's IP address as text, or "" */
    String expand(String loginKey, String clientAddress) {
        int at = loginKey.lastIndexOf('@');
        String local = at < 0 ? loginKey : loginKey.substring(0, at);
        String domain = at < 0 ? "" : loginKey.substring(at + 1);
        StringBuilder out = new StringBuilder(template.length() + loginKey.length() * 2);
        for (int i = 0; i < template.length(); i++) {
            char c = template.charAt(i);
            String value = c != '%' || i + 1 == template.length() ? null : switch (template.charAt(i + 1)) {
                case 'u' -> loginKey;
                case 'l' -> local;
                case 'd' -> domain;
                case 'r' -> clientAddress;
                default -> null;
            };
            if (value == null) {
                out.append(c);
            } else {
                out.append(Filter.encodeValue(value));
                i++;
            }
        }
        return out.toString();
    }
}
