package dev.postern.config;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;

/**
 * An IPv4 or IPv6 network in CIDR notation ({@code 192.0.2.0/24}, {@code 2001:db8::/32}; a bare address is one
 * host). Parsing never asks DNS: only address literals are accepted. Bits set after the prefix are refused rather
 * than masked, since {@code 192.0.2.7/16} is more likely a typo than a wish for a /16.
 */
public final class Cidr {
    private static final String EXPECTED = "(expected: a CIDR such as 192.0.2.0/24 or 2001:db8::/32, or one address)";

    private final byte[] network;
    private final int prefix;

    private Cidr(byte[] network, int prefix) {
        this.network = network;
        this.prefix = prefix;
    }

    /** Parses a CIDR; the IllegalArgumentException's message quotes the text and says what was expected. */
    public static Cidr parse(String text) {
        String s = text == null ? "" : text.strip();
        int slash = s.indexOf('/');
        String host = slash < 0 ? s : s.substring(0, slash);
        byte[] address = literal(host);
        if (address == null) {
            throw bad(s, EXPECTED);
        }
        int bits = address.length * 8;
        int prefix = bits;
        if (slash >= 0) {
            String p = s.substring(slash + 1);
            if (p.isEmpty() || p.length() > 3 || !p.chars().allMatch(c -> c >= '0' && c <= '9')) {
                throw bad(s, EXPECTED);
            }
            prefix = Integer.parseInt(p);
        }
        if (address.length == 16 && isV4Mapped(address)) {
            // ::ffff:192.0.2.0/120 means 192.0.2.0/24: clients reach us as IPv4 addresses
            if (prefix < 96) {
                throw bad(s, "(expected: a prefix of at least 96 for an IPv4-mapped address)");
            }
            address = Arrays.copyOfRange(address, 12, 16);
            prefix -= 96;
            bits = 32;
        }
        if (prefix > bits) {
            throw bad(s, "(expected: a CIDR with a prefix of 0 to " + bits + ")");
        }
        if (!Arrays.equals(address, mask(address, prefix))) {
            throw bad(s, "(expected: no address bits set after the /" + prefix + " prefix, such as "
                    + new Cidr(mask(address, prefix), prefix) + ")");
        }
        return new Cidr(address, prefix);
    }

    private static IllegalArgumentException bad(String text, String expected) {
        return new IllegalArgumentException("'" + text + "' " + expected);
    }

    /** An IPv4 literal in four decimal parts, or an IPv6 literal (it contains a colon, so the JDK never asks DNS). */
    private static byte[] literal(String host) {
        if (host.indexOf(':') >= 0) {
            if (!host.chars().allMatch(c -> Character.digit(c, 16) >= 0 || c == ':' || c == '.')) {
                return null; // no zone ids, no brackets
            }
            try {
                InetAddress a = InetAddress.getByName(host);
                byte[] raw = a.getAddress();
                if (a instanceof Inet4Address) { // the JDK folds ::ffff:a.b.c.d into IPv4
                    byte[] mapped = new byte[16];
                    mapped[10] = (byte) 0xff;
                    mapped[11] = (byte) 0xff;
                    System.arraycopy(raw, 0, mapped, 12, 4);
                    return mapped;
                }
                return raw;
            } catch (UnknownHostException e) {
                return null;
            }
        }
        String[] parts = host.split("\\.", -1);
        if (parts.length != 4) {
            return null;
        }
        byte[] out = new byte[4];
        for (int i = 0; i < 4; i++) {
            String p = parts[i];
            boolean digits = !p.isEmpty() && p.length() <= 3 && p.chars().allMatch(c -> c >= '0' && c <= '9');
            if (!digits || (p.length() > 1 && p.charAt(0) == '0') || Integer.parseInt(p) > 255) {
                return null; // a leading zero reads as octal to some tools: refuse the ambiguity
            }
            out[i] = (byte) Integer.parseInt(p);
        }
        return out;
    }

    private static boolean isV4Mapped(byte[] a) {
        for (int i = 0; i < 10; i++) {
            if (a[i] != 0) {
                return false;
            }
        }
        return a[10] == (byte) 0xff && a[11] == (byte) 0xff;
    }

    /** The first {@code prefix} bits of {@code address}, the rest zero (a new array). */
    public static byte[] mask(byte[] address, int prefix) {
        byte[] out = new byte[address.length];
        int whole = Math.min(prefix / 8, address.length);
        System.arraycopy(address, 0, out, 0, whole);
        if (whole < address.length && prefix % 8 != 0) {
            out[whole] = (byte) (address[whole] & (0xff << (8 - prefix % 8)));
        }
        return out;
    }

    /**
     * What a client counts as for the per-address rules (connection cap, penalty): an IPv4 address itself, an IPv6
     * address's first {@code ipv6Prefix} bits (one customer usually holds a whole /64), without scope id.
     */
    public static InetAddress clientKey(InetAddress client, int ipv6Prefix) {
        if (client.getAddress().length == 4 || ipv6Prefix >= 128) {
            return client;
        }
        try {
            return InetAddress.getByAddress(mask(client.getAddress(), ipv6Prefix));
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e); // 16 bytes always make an address
        }
    }

    /** Whether {@code address} lies in this network; an IPv4 network never holds an IPv6 address and back. */
    public boolean contains(InetAddress address) {
        if (address == null) {
            return false;
        }
        byte[] a = address.getAddress();
        return a.length == network.length && Arrays.equals(mask(a, prefix), network);
    }

    public int prefix() {
        return prefix;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Cidr c && prefix == c.prefix && Arrays.equals(network, c.network);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(network) + prefix;
    }

    @Override
    public String toString() {
        try {
            return InetAddress.getByAddress(network).getHostAddress() + "/" + prefix;
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e); // a 4- or 16-byte array always makes an address
        }
    }
}
