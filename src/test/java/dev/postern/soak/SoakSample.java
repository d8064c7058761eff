package dev.postern.soak;

import dev.postern.testing.PosternProcess;
import dev.postern.testing.PrometheusPage;
import java.io.IOException;
import java.util.Map;

/**
 * One report line: Postern's own figures read from its {@code /metrics} right after a full GC (so heap is the live
 * set), beside what the churn saw in the interval.
 */
record SoakSample(long second, long sessions, long connections, double loginsPerSecond, double p99LoginMillis,
        long heapBytes, long directBytes, long nettyBytes, long descriptors, String toxics,
        Map<String, Long> errors) {

    static final String HEADER = String.format("%6s %8s %8s %9s %8s %8s %8s %8s %6s  %-20s %s", "time s", "sessions",
            "conns", "logins/s", "p99 ms", "heap MiB", "dir MiB", "netty MiB", "fds", "toxics", "errors");

    static SoakSample take(PosternProcess postern, long second, SoakTally.Interval interval, double seconds,
            String toxics) throws IOException {
        postern.collectGarbage();
        PrometheusPage page = postern.metrics();
        return new SoakSample(second, (long) page.sum("postern_relay_active"),
                (long) page.sum("postern_connections_active"), interval.logins() / seconds,
                interval.p99LoginMillis(), (long) page.sum("jvm_memory_used_bytes", "area=\"heap\""),
                (long) page.sum("jvm_buffer_memory_used_bytes", "id=\"direct\""),
                (long) page.sum("netty_allocator_memory_used", "memory_type=\"direct\""),
                (long) page.sum("process_files_open_files"), toxics, interval.errors());
    }

    String line() {
        return String.format("%6d %8d %8d %9.1f %8.1f %8.1f %8.1f %8.1f %6d  %-20s %s", second, sessions, connections,
                loginsPerSecond, p99LoginMillis, mib(heapBytes), mib(directBytes), mib(nettyBytes), descriptors,
                toxics, errors.isEmpty() ? "-" : errors.toString().replace(" ", ""));
    }

    static double mib(long bytes) {
        return bytes / (1024.0 * 1024.0);
    }
}
