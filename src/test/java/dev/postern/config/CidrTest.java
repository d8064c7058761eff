package dev.postern.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** CIDR parsing (literals only, never DNS), matching, and the errors a bad {@code limits.exempt} entry gets. */
class CidrTest {

    private static InetAddress ip(String literal) throws Exception {
        return InetAddress.getByName(literal);
    }

    @ParameterizedTest
    @CsvSource({
            "10.0.0.0/8, 10.255.1.2, true",
            "10.0.0.0/8, 11.0.0.1, false",
            "192.0.2.0/24, 192.0.2.255, true",
            "192.0.2.0/25, 192.0.2.128, false",
            "192.0.2.7, 192.0.2.7, true",
            "192.0.2.7, 192.0.2.8, false",
            "0.0.0.0/0, 203.0.113.9, true",
            "172.16.0.0/12, 172.31.255.255, true",
            "172.16.0.0/12, 172.32.0.0, false",
            "2001:db8::/32, 2001:db8:ffff::1, true",
            "2001:db8::/32, 2001:db9::1, false",
            "2001:db8:0:1::/64, 2001:db8:0:1:aaaa::1, true",
            "2001:db8::1, 2001:db8::1, true",
            "::/0, 2001:db8::1, true",
            "::/0, 192.0.2.1, false",
            "0.0.0.0/0, ::1, false",
            "::ffff:192.0.2.0/120, 192.0.2.9, true",
    })
    void matchesAddressesInsideTheNetworkOnly(String cidr, String address, boolean inside) throws Exception {
        assertEquals(inside, Cidr.parse(cidr).contains(ip(address)));
    }

    @Test
    void printsItsCanonicalForm() {
        assertEquals("192.0.2.0/24", Cidr.parse(" 192.0.2.0/24 ").toString());
        assertEquals("192.0.2.7/32", Cidr.parse("192.0.2.7").toString());
        assertEquals("2001:db8:0:0:0:0:0:0/32", Cidr.parse("2001:DB8::/32").toString());
        assertEquals(Cidr.parse("2001:db8::/32"), Cidr.parse("2001:0db8:0::/32"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "/8", "10.0.0.0/", "10.0.0.0/33", "10.0.0.0/-1", "10.0.0.0/8/8", "10.0.0/8",
            "10.0.0.0.0/8", "256.0.0.0/8", "010.0.0.0/8", "10.0.0.0/ 8", "10.0.0.0/x", "2001:db8::/129",
            "2001:db8::g/32", "[2001:db8::]/32", "fe80::1%eth0", "example.org", "localhost/32", "abc/8",
            "::ffff:192.0.2.0/24", "10.0.0.1/8"})
    void refusesAnythingButAnAddressLiteralWithAPrefix(String text) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Cidr.parse(text));
        assertTrue(e.getMessage().startsWith("'" + text.strip() + "' (expected: "), e.getMessage());
    }

    @Test
    void hostBitsAfterThePrefixAreRefusedWithTheNetworkSuggested() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Cidr.parse("192.0.2.7/16"));
        assertEquals("'192.0.2.7/16' (expected: no address bits set after the /16 prefix, such as 192.0.0.0/16)",
                e.getMessage());
    }

    @Test
    void aBadExemptEntryIsNamedByKeyAndIndex() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> LimitsConfig.of(Map.of("exempt", List.of("192.0.2.0/24", "10.0.0.0/33", "example.org"))));
        assertEquals("limits.exempt[1]: '10.0.0.0/33' (expected: a CIDR with a prefix of 0 to 32); "
                + "limits.exempt[2]: 'example.org' (expected: a CIDR such as 192.0.2.0/24 or 2001:db8::/32, or one "
                + "address)", e.getMessage());
    }

    @Test
    void aSetHoldsAnAddressInAnyOfItsNetworks() throws Exception {
        ClientAddressSet set = exempt("192.0.2.0/24", "2001:db8::/48");
        assertTrue(set.test(ip("192.0.2.200")));
        assertTrue(set.test(ip("2001:db8:0:5::1")));
        assertFalse(set.test(ip("198.51.100.1")));
        assertFalse(set.test(ip("2001:db8:1::1")));
        assertFalse(set.test(null));
        assertFalse(ClientAddressSet.EMPTY.test(ip("192.0.2.1")));
        assertEquals(set, exempt("192.0.2.0/24", "2001:db8::/48"));
        assertEquals(ClientAddressSet.EMPTY, LimitsConfig.DEFAULTS.exemptAddresses(), "exempt is empty by default");
    }

    private static ClientAddressSet exempt(String... cidrs) {
        return LimitsConfig.of(Map.of("exempt", List.of(cidrs))).exemptAddresses();
    }

    @Test
    void maskKeepsThePrefixBitsOnly() {
        byte[] a = {(byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff};
        assertEquals(List.of(-1, -16, 0, 0), bytes(Cidr.mask(a, 12)));
        assertEquals(List.of(-1, -1, -1, -1), bytes(Cidr.mask(a, 32)));
        assertEquals(List.of(0, 0, 0, 0), bytes(Cidr.mask(a, 0)));
    }

    @Test
    void aClientCountsAsItsIpv4AddressOrItsIpv6Network() throws Exception {
        assertEquals(ip("2001:db8:1:2::"), Cidr.clientKey(ip("2001:db8:1:2:3:4:5:6"), 64));
        assertEquals(ip("2001:db8:1::"), Cidr.clientKey(ip("2001:db8:1:2:3:4:5:6"), 52));
        assertEquals(ip("2001:db8:1:2:3:4:5:6"), Cidr.clientKey(ip("2001:db8:1:2:3:4:5:6"), 128));
        assertEquals(ip("192.0.2.7"), Cidr.clientKey(ip("192.0.2.7"), 64));
    }

    private static List<Integer> bytes(byte[] b) {
        return java.util.stream.IntStream.range(0, b.length).map(i -> b[i]).boxed().toList();
    }
}
