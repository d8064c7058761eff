package dev.postern.it;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.TreeMap;

/** Small helpers shared by the client-facing TLS integration tests. */
final class TlsItSupport {
    private TlsItSupport() {
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
