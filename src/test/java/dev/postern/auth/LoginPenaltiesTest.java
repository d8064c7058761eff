package dev.postern.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.postern.config.PenaltyConfig;
import dev.postern.metrics.MicrometerProxyMetrics;
import dev.postern.metrics.ProxyMetrics;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;

/** The delay policy on a fake clock: doubling, both ceilings, the window, success, exemption, IPv6 prefixes. */
class LoginPenaltiesTest {
    private static final Duration BASE = Duration.ofSeconds(2);
    private static final PenaltyConfig DEFAULTS = PenaltyConfig.DEFAULTS;

    private final AtomicLong now = new AtomicLong();
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final ProxyMetrics metrics = new MicrometerProxyMetrics(registry);

    /** {@code postern.login.delay{scope}}: how many delays and their total, in whole seconds. */
    private String meter(String scope) {
        Timer t = registry.get("postern.login.delay").tag("scope", scope).timer();
        return t.count() + "x " + (long) t.totalTime(TimeUnit.SECONDS) + "s";
    }

    private LoginPenalties penalties(Predicate<InetAddress> exempt) {
        return new LoginPenalties(BASE, DEFAULTS, 64, exempt, s -> s.strip().toLowerCase(Locale.ROOT), now::get,
                metrics);
    }

    private LoginPenalties penalties() {
        return penalties(a -> false);
    }

    private static InetAddress ip(String literal) throws Exception {
        return InetAddress.getByName(literal);
    }

    private static long seconds(Duration d) {
        return d.toSeconds();
    }

    private void advance(Duration d) {
        now.addAndGet(d.toNanos());
    }

    @Test
    void failuresFromOneAddressDoubleTheDelayUpToTheAddressCeiling() throws Exception {
        LoginPenalties p = penalties();
        InetAddress attacker = ip("192.0.2.7");
        List<Long> delays = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            delays.add(seconds(p.failed(attacker, "user" + i + "@example.org")));
        }
        assertEquals(List.of(2L, 4L, 8L, 15L, 15L, 15L), delays);
        assertEquals(List.of("1x 2s", "5x 57s", "0x 0s"), List.of(meter("base"), meter("address"), meter("user")));
    }

    @Test
    void failuresForOneUserFromManyAddressesStopAtTheLowerUserCeiling() throws Exception {
        LoginPenalties p = penalties();
        List<Long> delays = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            delays.add(seconds(p.failed(ip("198.51.100." + (i + 1)), i % 2 == 0 ? "kate@example.org" : " KATE@example.org")));
        }
        assertEquals(List.of(2L, 4L, 4L, 4L, 4L), delays, "spellings of one route key share a counter");
        assertEquals(List.of("1x 2s", "0x 0s", "4x 16s"), List.of(meter("base"), meter("address"), meter("user")));
    }

    @Test
    void theLargerOfTheAddressAndUserDelaysApplies() throws Exception {
        LoginPenalties p = penalties();
        InetAddress a = ip("192.0.2.1");
        p.failed(ip("192.0.2.99"), "kate");
        p.failed(ip("192.0.2.98"), "kate");
        assertEquals(4, seconds(p.failed(a, "kate")), "first failure from a, third for kate");
        assertEquals(4, seconds(p.failed(a, "bob")), "second from a, first for bob");
        assertEquals(8, seconds(p.failed(a, "kate")), "third from a");
    }

    @Test
    void aFailureIsForgottenAWindowAfterTheLastOne() throws Exception {
        LoginPenalties p = penalties();
        InetAddress a = ip("192.0.2.1");
        assertEquals(2, seconds(p.failed(a, "x")));
        advance(Duration.ofMinutes(9));
        assertEquals(4, seconds(p.failed(a, "y")), "within the window");
        advance(Duration.ofMinutes(9));
        assertEquals(8, seconds(p.failed(a, "z")), "the window runs from the last failure");
        advance(Duration.ofMinutes(10).plusSeconds(1));
        assertEquals(2, seconds(p.failed(a, "x")), "window passed: back to the base delay");
        assertEquals(4, seconds(p.failed(a, "y")));
    }

    @Test
    void aSuccessClearsItsAddressAndItsUser() throws Exception {
        LoginPenalties p = penalties();
        InetAddress a = ip("192.0.2.1");
        InetAddress b = ip("192.0.2.2");
        p.failed(a, "kate");
        p.failed(a, "bob");
        p.failed(b, "bob");
        p.succeeded(a, "bob");
        assertEquals(2, seconds(p.failed(a, "bob")), "a and bob start again");
        assertEquals(4, seconds(p.failed(ip("192.0.2.3"), "kate")), "kate's counter stays");
        assertEquals(4, seconds(p.failed(b, "carol")), "b's counter stays");
    }

    @Test
    void anExemptAddressIsNeitherCountedNorPenalisedButKeepsTheBaseAndUserDelays() throws Exception {
        InetAddress webmail = ip("10.1.2.3");
        LoginPenalties p = penalties(webmail::equals);
        for (int i = 0; i < 5; i++) {
            assertEquals(2, seconds(p.failed(webmail, "user" + i)));
        }
        assertEquals(4, seconds(p.failed(webmail, "user0")), "the user's own counter still grows");
        assertEquals(2, seconds(p.failed(ip("10.1.2.4"), "other")), "others are counted as usual");
    }

    @Test
    void ipv6AddressesAreCountedPerSlash64() throws Exception {
        LoginPenalties p = penalties();
        assertEquals(2, seconds(p.failed(ip("2001:db8:1:2::1"), "a")));
        assertEquals(4, seconds(p.failed(ip("2001:db8:1:2:ffff:ffff:ffff:ffff"), "b")), "same /64");
        assertEquals(2, seconds(p.failed(ip("2001:db8:1:3::1"), "c")), "the next /64 is another client");
    }

    @Test
    void failuresWithoutAUserOrAnAddressGetTheBaseDelay() throws Exception {
        LoginPenalties p = penalties();
        assertEquals(2, seconds(p.failed(null, null)));
        assertEquals(2, seconds(p.failed(null, null)));
        assertEquals(2, seconds(p.failed(ip("192.0.2.1"), null)));
        assertEquals(4, seconds(p.failed(ip("192.0.2.1"), null)), "malformed SASL counts for its address");
    }

    @Test
    void aZeroFailureDelayTurnsEverythingOff() throws Exception {
        LoginPenalties p = new LoginPenalties(Duration.ZERO, DEFAULTS, 64, a -> false, s -> s, now::get, metrics);
        for (int i = 0; i < 4; i++) {
            assertEquals(Duration.ZERO, p.failed(ip("192.0.2.1"), "kate"));
        }
        assertEquals(Duration.ZERO, LoginPenalties.NONE.failed(ip("192.0.2.1"), "kate"));
        assertEquals(List.of("0x 0s", "0x 0s", "0x 0s"), List.of(meter("base"), meter("address"), meter("user")));
    }

    @Test
    void theCountersAreBounded() throws Exception {
        LoginPenalties p = penalties();
        for (int i = 0; i < LoginPenalties.MAX_KEYS + 5_000; i++) {
            p.failed(InetAddress.getByAddress(new byte[] {10, (byte) (i >> 16), (byte) (i >> 8), (byte) i}), null);
        }
        // Caffeine evicts to its bound on the caller's thread (executor Runnable::run): nothing piles up.
        assertTrue(p.trackedAddresses() <= LoginPenalties.MAX_KEYS, "tracked " + p.trackedAddresses());
    }
}
