package dev.postern.route;

import dev.postern.config.BackendConfig;
import dev.postern.config.HostPort;
import dev.postern.config.PoolConfig;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * A pool's backends, ordered per user by weighted rendezvous (highest random weight) hashing: each backend
 * scores {@code -weight / ln(u)} with {@code u} a hash of (user, backend) mapped into (0,1). The top score is
 * the user's backend; the rest are its failover order. Adding a backend moves only the users it now wins.
 */
public final class Pool {
    private final String name;
    private final List<BackendConfig> backends;

    public Pool(PoolConfig config) {
        this.name = config.name();
        this.backends = config.backends();
    }

    public String name() {
        return name;
    }

    /** Every backend of the pool, best first for this user. */
    public List<HostPort> orderFor(String loginKey) {
        record Scored(HostPort address, double score) {
        }
        List<Scored> scored = new ArrayList<>(backends.size());
        long userHash = fnv1a64(loginKey.getBytes(StandardCharsets.UTF_8), 0xcbf29ce484222325L);
        for (BackendConfig b : backends) {
            long h = mix(userHash ^ fnv1a64(b.address().toString().getBytes(StandardCharsets.UTF_8), 0x84222325cbf29ce4L));
            double u = ((h >>> 11) + 0.5) / (double) (1L << 53);
            scored.add(new Scored(b.address(), -b.weight() / Math.log(u)));
        }
        scored.sort(Comparator.comparingDouble(Scored::score).reversed());
        List<HostPort> out = new ArrayList<>(scored.size());
        scored.forEach(s -> out.add(s.address()));
        return out;
    }

    private static long fnv1a64(byte[] data, long seed) {
        long h = seed;
        for (byte b : data) {
            h ^= b & 0xff;
            h *= 0x100000001b3L;
        }
        return h;
    }

    /** SplitMix64 finaliser: spreads FNV's weak low bits over the whole word. */
    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }
}
