package dev.postern.server;

import java.lang.management.ManagementFactory;
import java.util.OptionalLong;

/**
 * Whether the process may open enough files for {@code limits.max_connections}: a relayed session holds two
 * descriptors (client and backend), so a soft limit below twice the cap means the caps never bite and accepts
 * fail with "Too many open files" instead. Checked once at start; a warning, not a refusal, as the operator may
 * know the real load stays lower.
 */
final class OpenFileLimit {
    private OpenFileLimit() {
    }

    /** The process's soft limit on open files, when the JVM can tell (Unix). */
    static OptionalLong current() {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.UnixOperatingSystemMXBean unix) {
            return OptionalLong.of(unix.getMaxFileDescriptorCount());
        }
        return OptionalLong.empty();
    }

    /** The warning line for this limit and cap, or null when the limit holds two descriptors per connection. */
    static String warning(long openFiles, int maxConnections) {
        long needed = 2L * maxConnections;
        if (openFiles >= needed) {
            return null;
        }
        return "the open-file limit (" + openFiles + ") cannot hold two descriptors for each of limits.max_connections ("
                + maxConnections + "): raise it to at least " + needed + " (ulimit -n, LimitNOFILE=) or lower "
                + "limits.max_connections to " + openFiles / 2;
    }
}
