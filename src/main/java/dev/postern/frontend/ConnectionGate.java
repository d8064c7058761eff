package dev.postern.frontend;

import dev.postern.config.Cidr;
import dev.postern.metrics.ProxyMetrics;
import dev.postern.session.CappedCounts;
import java.net.InetAddress;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

/**
 * The accept-time gate, shared by every listener: at most {@code limits.max_connections} client connections in
 * total, at most {@code limits.max_connections_per_ip} from one client address (an IPv6 client counted by its
 * {@code limits.ipv6_prefix} network, since one host easily holds a whole /64), none of that for the
 * {@code limits.exempt} networks' per-address cap. The address is the session's ({@code SessionContext.client()}),
 * never re-read from a socket. Counts are exact under several event loops; each admission's slots come back once,
 * through {@link Admission#release}, whichever close path calls it.
 */
public final class ConnectionGate {

    /** Why a connection was turned away: the metric's limit name and the line a plain listener says first. */
    public enum Refusal {
        TOTAL("max_connections", "* BYE [UNAVAILABLE] Too many connections, try again later\r\n"),
        PER_ADDRESS("max_connections_per_ip", "* BYE [UNAVAILABLE] Too many connections from your address\r\n");

        private final String limit;
        private final String bye;

        Refusal(String limit, String bye) {
            this.limit = limit;
            this.bye = bye;
        }

        /** The {@code limits.} key that refused, as the metric tag names it. */
        public String limit() {
            return limit;
        }

        /** The untagged BYE, CRLF included. */
        public String bye() {
            return bye;
        }
    }

    /** The caps: replaced together by a reload, while the counts carry on. */
    private volatile Caps caps;
    private final ProxyMetrics metrics;
    private final AtomicInteger open = new AtomicInteger();
    private final CappedCounts<InetAddress> perAddress = new CappedCounts<>();

    public ConnectionGate(int maxConnections, int maxPerAddress, int ipv6Prefix, Predicate<InetAddress> exempt,
                          ProxyMetrics metrics) {
        this.caps = new Caps(maxConnections, maxPerAddress, ipv6Prefix, exempt);
        this.metrics = metrics;
    }

    private record Caps(int maxConnections, int maxPerAddress, int ipv6Prefix, Predicate<InetAddress> exempt) {
    }

    /**
     * New caps for connections from now on (a reload). Connections already in keep their slots; a lower cap only
     * refuses newcomers until enough of them have left. An address's slots are given back under the key they were
     * taken with, so a new {@code ipv6_prefix} never unbalances a count.
     */
    public void reconfigure(int maxConnections, int maxPerAddress, int ipv6Prefix, Predicate<InetAddress> exempt) {
        this.caps = new Caps(maxConnections, maxPerAddress, ipv6Prefix, exempt);
    }

    /** A gate that admits everyone (tests of other things). */
    public static ConnectionGate unlimited() {
        return new ConnectionGate(Integer.MAX_VALUE, Integer.MAX_VALUE, 128, a -> true, ProxyMetrics.NOOP);
    }

    /**
     * Takes a slot in the total and one for the client's address, or refuses. A null client (a test channel without
     * an IP) counts in the total only.
     */
    public Admission admit(InetAddress client) {
        Caps now = caps;
        if (!takeTotal(now.maxConnections())) {
            return refuse(Refusal.TOTAL);
        }
        CappedCounts<InetAddress>.Lease lease = null;
        if (client != null && !now.exempt().test(client)) {
            lease = perAddress.tryAcquire(Cidr.clientKey(client, now.ipv6Prefix()), now.maxPerAddress());
            if (lease == null) {
                open.decrementAndGet();
                return refuse(Refusal.PER_ADDRESS);
            }
        }
        return new Admission(null, lease);
    }

    private Admission refuse(Refusal refusal) {
        metrics.limitHit(refusal.limit());
        return new Admission(refusal, null);
    }

    private boolean takeTotal(int maxConnections) {
        while (true) {
            int now = open.get();
            if (now >= maxConnections) {
                return false;
            }
            if (open.compareAndSet(now, now + 1)) {
                return true;
            }
        }
    }

    /** What the per-address cap counts by: an IPv4 address itself, an IPv6 address's prefix network. */
    InetAddress key(InetAddress client) {
        return Cidr.clientKey(client, caps.ipv6Prefix());
    }

    /** Client connections admitted and not yet released. */
    public int open() {
        return open.get();
    }

    /** Connections counted for the client's address (or its IPv6 network). */
    public int openFrom(InetAddress client) {
        return perAddress.count(key(client));
    }

    /** One connection's admission: refused (with the reason), or holding slots until {@link #release}. */
    public final class Admission {
        private final Refusal refusal;
        private final CappedCounts<InetAddress>.Lease lease;
        private final AtomicBoolean released;

        private Admission(Refusal refusal, CappedCounts<InetAddress>.Lease lease) {
            this.refusal = refusal;
            this.lease = lease;
            this.released = new AtomicBoolean(refusal != null);
        }

        public boolean admitted() {
            return refusal == null;
        }

        /** Null when admitted. */
        public Refusal refusal() {
            return refusal;
        }

        /** Gives the slots back; once, whoever calls it how often. Nothing for a refusal. */
        public void release() {
            if (released.compareAndSet(false, true)) {
                if (lease != null) {
                    lease.release();
                }
                open.decrementAndGet();
            }
        }
    }
}
