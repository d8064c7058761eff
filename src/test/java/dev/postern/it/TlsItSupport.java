package dev.postern.it;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/** Small helpers shared by the client-facing TLS integration tests. */
final class TlsItSupport {
    private TlsItSupport() {
    }

    /** Polls {@code condition} every 20 ms until it holds; fails with {@code message} after {@code bound}. */
    static void await(Duration bound, BooleanSupplier condition, Supplier<String> message) {
        long deadline = System.nanoTime() + bound.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("not within " + bound + ": " + message.get());
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
        }
    }

    /** The sum of every counter named {@code name} carrying these tag key/value pairs (0 when none exists yet). */
    static double count(MeterRegistry registry, String name, String... tags) {
        return registry.find(name).tags(tags).counters().stream().mapToDouble(Counter::count).sum();
    }

    /** Every {@code postern.tls.handshakes} counter as "listener/outcome/reason=n", for failure messages. */
    static String handshakes(MeterRegistry registry) {
        TreeMap<String, Double> all = new TreeMap<>();
        registry.find("postern.tls.handshakes").counters().forEach(c -> all.put(c.getId().getTag("listener") + "/"
                + c.getId().getTag("outcome") + "/" + c.getId().getTag("reason"), c.count()));
        return all.toString();
    }
}
