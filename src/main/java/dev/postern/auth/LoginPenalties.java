package dev.postern.auth;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Ticker;
import dev.postern.config.Cidr;
import dev.postern.config.PenaltyConfig;
import dev.postern.metrics.ProxyMetrics;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;

/**
 * How long a failed login waits for its reply ({@code limits.failure_delay}, {@code limits.penalty}). Every kind of
 * failure gets at least the base delay, so timing never tells a known user from an unknown one. Each further
 * failure within the window doubles the delay, per client address (IPv6 per prefix) up to {@code max_delay} and
 * per user (route key, across addresses) up to the lower {@code max_user_delay}; the larger of the two applies. A
 * success clears both. The user's ceiling is low so that a guesser elsewhere slows the user's own failures a
 * little and never their correct password: successes are not delayed at all.
 *
 * <p>Counters live in two bounded Caffeine caches that forget a key {@code window} after its last failure; user
 * keys are stored as digests, so a long or odd login name costs the same few bytes. Thread-safe: every event loop
 * shares one instance.
 */
public final class LoginPenalties {
    /** Most client addresses (or IPv6 prefixes) and users tracked at once; the least used are dropped first. */
    static final int MAX_KEYS = 100_000;

    /** No delay, no counting: for tests of everything else. */
    public static final LoginPenalties NONE = new LoginPenalties(Duration.ZERO,
            new PenaltyConfig(Duration.ZERO, Duration.ofMinutes(1), Duration.ZERO), 64, a -> true,
            UnaryOperator.identity(), Ticker.systemTicker(), ProxyMetrics.NOOP);

    private final long baseNanos;
    private final long maxAddressNanos;
    private final long maxUserNanos;
    private final int ipv6Prefix;
    private final Predicate<InetAddress> exempt;
    private final UnaryOperator<String> userKey;
    private final ProxyMetrics metrics;
    private final Cache<InetAddress, Integer> byAddress;
    private final Cache<String, Integer> byUser;

    /**
     * @param failureDelay the base delay of every failed login ({@code limits.failure_delay}); zero turns delays off
     * @param ipv6Prefix   IPv6 clients are counted per this many leading bits (a /64 is usually one customer)
     * @param exempt       addresses whose failures are neither counted nor penalised (the base delay still applies)
     * @param userKey      login name as typed to the user's route key, so spellings of one user share a counter
     * @param ticker       the caches' clock (a fake one in tests)
     */
    public LoginPenalties(Duration failureDelay, PenaltyConfig penalty, int ipv6Prefix, Predicate<InetAddress> exempt,
                          UnaryOperator<String> userKey, Ticker ticker, ProxyMetrics metrics) {
        this.baseNanos = failureDelay.toNanos();
        this.maxAddressNanos = penalty.maxDelay().toNanos();
        this.maxUserNanos = penalty.maxUserDelay().toNanos();
        this.ipv6Prefix = ipv6Prefix;
        this.exempt = exempt;
        this.userKey = userKey;
        this.metrics = metrics;
        this.byAddress = counters(penalty.window(), ticker);
        this.byUser = counters(penalty.window(), ticker);
    }

    private static <K> Cache<K, Integer> counters(Duration window, Ticker ticker) {
        // Maintenance on the caller (an event loop, briefly): no pool thread, and deterministic under a fake ticker.
        return Caffeine.newBuilder().expireAfterWrite(window).maximumSize(MAX_KEYS).ticker(ticker)
                .executor(Runnable::run).build();
    }

    /**
     * Counts one failed login and says how long after its command the reply is due.
     *
     * @param client the client's address, or null when unknown (not counted then)
     * @param user   the login name as typed, or null when the failure carried none (malformed SASL)
     */
    public Duration failed(InetAddress client, String user) {
        if (baseNanos == 0) {
            return Duration.ZERO;
        }
        long address = 0;
        if (client != null && !exempt.test(client)) {
            address = grown(byAddress.asMap().merge(Cidr.clientKey(client, ipv6Prefix), 1, Integer::sum), maxAddressNanos);
        }
        long forUser = user == null ? 0 : grown(byUser.asMap().merge(digest(userKey.apply(user)), 1, Integer::sum),
                maxUserNanos);
        long delay = Math.max(baseNanos, Math.max(address, forUser));
        String scope = delay == baseNanos ? "base" : address >= forUser ? "address" : "user";
        metrics.loginDelay(scope, Duration.ofNanos(delay));
        return Duration.ofNanos(delay);
    }

    /** A login succeeded: its address and its user start again from the base delay. */
    public void succeeded(InetAddress client, String user) {
        if (client != null && !exempt.test(client)) {
            byAddress.invalidate(Cidr.clientKey(client, ipv6Prefix));
        }
        if (user != null) {
            byUser.invalidate(digest(userKey.apply(user)));
        }
    }

    /** How many addresses (or IPv6 prefixes) are counted now. */
    long trackedAddresses() {
        byAddress.cleanUp();
        return byAddress.estimatedSize();
    }

    /** The base delay doubled for each failure after the first, never above {@code ceiling} (nor below the base). */
    private long grown(int failures, long ceiling) {
        long delay = baseNanos;
        for (int i = 1; i < failures && delay < ceiling; i++) {
            delay = Math.min(delay * 2, ceiling);
        }
        return delay;
    }

    /** 128 bits of SHA-256: a fixed-size key that keeps login names out of the heap. */
    private static String digest(String key) {
        try {
            byte[] hash = MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(hash, 0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }
}
