package dev.postern.bench.compare;

import dev.postern.testing.PosternProcess;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Postern's own memory accounting (COMPARE_ACCOUNTING=1; the native part needs -XX:NativeMemoryTracking=summary in
 * POSTERN_JAVA_OPTS): a heap histogram (live objects, after the full collection jcmd forces) and an NMT baseline
 * taken at rest, then again with the sessions open. Prints per session: the live heap and the classes it grew by, the
 * JVM's native memory by category, and what neither accounts for (PSS minus committed heap and NMT: BoringSSL's
 * allocations, malloc arenas, the kernel's share of mappings). COMPARE_HEAP_DUMP=file also writes a heap dump there.
 */
final class MemoryAccounting {
    private static final Pattern CLASS_ROW = Pattern.compile("^\\s*\\d+:\\s+(\\d+)\\s+(\\d+)\\s+(\\S+).*$");
    private static final Pattern TOTAL_ROW = Pattern.compile("^Total\\s+(\\d+)\\s+(\\d+)\\s*$");
    private static final Pattern NMT_CATEGORY = Pattern.compile(
            "^-\\s+(.+?) \\(reserved=[^,]*, committed=(\\d+)KB(?: ([+-]\\d+)KB)?\\).*$");
    private final PosternProcess postern;
    private final Map<String, long[]> restClasses;
    private final long restHeapBytes;
    private final boolean nmt;

    private MemoryAccounting(PosternProcess postern, Map<String, long[]> restClasses, long restHeapBytes,
                             boolean nmt) {
        this.postern = postern;
        this.restClasses = restClasses;
        this.restHeapBytes = restHeapBytes;
        this.nmt = nmt;
    }

    /** The baseline, before any session. */
    static MemoryAccounting atRest(PosternProcess postern) throws IOException {
        Map<String, long[]> classes = new HashMap<>();
        long heap = histogram(postern, classes);
        boolean nmt = postern.jcmd("VM.native_memory", "baseline").stream().anyMatch(l -> l.contains("Baseline"));
        return new MemoryAccounting(postern, classes, heap, nmt);
    }

    /** Prints the accounting with {@code sessions} open; {@code pssDeltaKiB} is the process tree's growth since rest. */
    void report(int sessions, long pssDeltaKiB) throws IOException {
        Map<String, long[]> classes = new HashMap<>();
        long heap = histogram(postern, classes);
        String dump = System.getenv("COMPARE_HEAP_DUMP");
        if (dump != null) {
            postern.jcmd("GC.heap_dump", dump).forEach(l -> System.out.println("   " + l));
        }
        System.out.printf("   --- accounting with %d sessions: PSS +%.1f KiB per session%n", sessions,
                pssDeltaKiB / (double) sessions);
        System.out.printf("   live heap +%.2f KiB per session (%.1f MiB at rest, %.1f MiB now); by class, per"
                + " session:%n", (heap - restHeapBytes) / 1024.0 / sessions, restHeapBytes / 1048576.0,
                heap / 1048576.0);
        List<Map.Entry<String, long[]>> grown = new ArrayList<>(classes.entrySet());
        grown.sort((a, b) -> Long.compare(delta(b)[1], delta(a)[1]));
        for (Map.Entry<String, long[]> e : grown.subList(0, Math.min(25, grown.size()))) {
            long[] d = delta(e);
            System.out.printf("     %8.1f B  %6.2f objects  %s%n", d[1] / (double) sessions, d[0] / (double) sessions,
                    e.getKey());
        }
        if (!nmt) {
            System.out.println("   (no native accounting: start Postern with -XX:NativeMemoryTracking=summary)");
            return;
        }
        long committedDelta = 0;
        for (String line : postern.jcmd("VM.native_memory", "summary.diff", "scale=KB")) {
            Matcher m = NMT_CATEGORY.matcher(line.strip());
            if (m.matches() && m.group(3) != null) {
                long kib = Long.parseLong(m.group(3));
                committedDelta += kib;
                System.out.printf("   native %-28s %+8.2f KiB per session%n", m.group(1).strip(),
                        kib / (double) sessions);
            }
        }
        System.out.printf("   JVM-tracked committed (heap included) %+.2f KiB per session; outside it (BoringSSL,"
                + " malloc arenas, kernel) %+.2f KiB per session%n", committedDelta / (double) sessions,
                (pssDeltaKiB - committedDelta) / (double) sessions);
    }

    private long[] delta(Map.Entry<String, long[]> now) {
        long[] rest = restClasses.getOrDefault(now.getKey(), new long[2]);
        return new long[] {now.getValue()[0] - rest[0], now.getValue()[1] - rest[1]};
    }

    /** Fills instances and bytes by class name; returns the total live bytes. */
    private static long histogram(PosternProcess postern, Map<String, long[]> classes) throws IOException {
        long total = -1;
        for (String line : postern.jcmd("GC.class_histogram")) {
            Matcher row = CLASS_ROW.matcher(line);
            Matcher sum = TOTAL_ROW.matcher(line.strip());
            if (row.matches()) {
                classes.put(row.group(3), new long[] {Long.parseLong(row.group(1)), Long.parseLong(row.group(2))});
            } else if (sum.matches()) {
                total = Long.parseLong(sum.group(2));
            }
        }
        if (total < 0) {
            throw new IllegalStateException("no heap histogram from jcmd for pid " + postern.pid());
        }
        return total;
    }
}
