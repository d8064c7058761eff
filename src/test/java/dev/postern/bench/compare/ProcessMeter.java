package dev.postern.bench.compare;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * CPU time and proportional memory (PSS) of a process and everything it started, from {@code /proc}: the figures
 * that compare a single-process JVM with HAProxy's and nginx's master and workers on equal terms.
 */
final class ProcessMeter {
    /** Kernel clock ticks per second (USER_HZ), 100 on Linux. */
    private static final double TICKS_PER_SECOND = 100.0;

    private ProcessMeter() {
    }

    /** {@code pid} and its descendants, alive now. */
    static List<Long> tree(long pid) {
        List<Long> pids = new ArrayList<>();
        ProcessHandle.of(pid).ifPresent(root -> {
            pids.add(root.pid());
            root.descendants().forEach(d -> pids.add(d.pid()));
        });
        return pids;
    }

    /** User plus system CPU seconds used so far by the tree of {@code pid} (its live members). */
    static double cpuSeconds(long pid) {
        long ticks = 0;
        for (long p : tree(pid)) {
            ticks += ticks(p);
        }
        return ticks / TICKS_PER_SECOND;
    }

    /** CPU seconds of this JVM, the load generator. */
    static double ownCpuSeconds() {
        return ticks(ProcessHandle.current().pid()) / TICKS_PER_SECOND;
    }

    /** The whole process's ticks (all its threads, living and ended). */
    private static long ticks(long pid) {
        return ticks(Path.of("/proc/" + pid + "/stat"));
    }

    private static long ticks(Path statFile) {
        try {
            String stat = Files.readString(statFile);
            // the command name (field 2) may hold spaces: count fields after its closing parenthesis
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return Long.parseLong(f[11]) + Long.parseLong(f[12]);
        } catch (IOException | RuntimeException gone) {
            return 0;
        }
    }

    /** Proportional set size of the tree of {@code pid}, KiB (shared pages split among their users). */
    static long pssKiB(long pid) {
        long kib = 0;
        for (long p : tree(pid)) {
            try {
                for (String line : Files.readAllLines(Path.of("/proc/" + p + "/smaps_rollup"))) {
                    if (line.startsWith("Pss:")) {
                        kib += Long.parseLong(line.replaceAll("[^0-9]", ""));
                    }
                }
            } catch (IOException | RuntimeException gone) {
                // exited meanwhile
            }
        }
        return kib;
    }

    /**
     * CPU seconds by thread name (digits folded, so "epoll-loop-3" counts as "epoll-loop-#") over the process's
     * threads alive now: where a JVM's CPU goes (event loops, JIT compilers, the collector).
     */
    static Map<String, Double> cpuByThread(long pid) {
        Map<String, Double> out = new TreeMap<>();
        try (var tasks = Files.list(Path.of("/proc/" + pid + "/task"))) {
            for (Path task : tasks.toList()) {
                try {
                    String name = Files.readString(task.resolve("comm")).strip().replaceAll("\\d+", "#");
                    long t = ticks(task.resolve("stat"));
                    out.merge(name, t / TICKS_PER_SECOND, Double::sum);
                } catch (IOException | RuntimeException gone) {
                    // exited meanwhile
                }
            }
        } catch (IOException gone) {
            // exited meanwhile
        }
        return out;
    }

    /** Threads of the tree of {@code pid}. */
    static long threads(long pid) {
        long n = 0;
        for (long p : tree(pid)) {
            try (var tasks = Files.list(Path.of("/proc/" + p + "/task"))) {
                n += tasks.count();
            } catch (IOException gone) {
                // exited meanwhile
            }
        }
        return n;
    }
}
