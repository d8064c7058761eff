package dev.postern.bench.compare;

import dev.postern.testing.DovecotServer;
import dev.postern.testing.RawImapClient;
import dev.postern.testing.TestMessages;
import dev.postern.testing.TestPki;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.function.Function;

/**
 * The side-by-side benchmark of issue 15 (a tool, not a test): HAProxy, nginx's mail module and Postern, each a fresh
 * process of its own doing the same job (implicit TLS 1.3 with the same ECDSA P-256 certificate, key exchange pinned
 * to X25519, in front of the same Dovecot), driven by the same load generator ({@link ImapDriver}), plus a Postern
 * column whose clients and server use X25519MLKEM768. Per column, in this order:
 * <ol>
 *   <li>cold start: logins/s and proxy CPU per login over the first {@code seconds} of 64 clients on a freshly
 *       started process;</li>
 *   <li>warmed up ({@code warm-up} seconds of 64 clients, then per figure {@code seconds} of load before
 *       {@code seconds} measured): logins/s and CPU per login at 64 and 16 clients, full handshakes and resumed
 *       (TLS 1.3 tickets); greeting time at 16 clients;</li>
 *   <li>NOOP round trips on 16 logged-in sessions ({@code seconds} of them first, then {@code seconds} measured): p50
 *       and p99;</li>
 *   <li>relaying: 4 sessions fetching a 10 MiB message over and over ({@code seconds} first, then {@code seconds}
 *       measured): MB/s and proxy CPU seconds per GB;</li>
 *   <li>memory: on another fresh process, PSS of its process tree before and with 2,000 / 4,000 / 8,000 idle
 *       logged-in sessions: KiB per session at the first size, per added session after.</li>
 * </ol>
 * CPU is user plus system time of the proxy's process tree from /proc; the generator's own CPU per login is printed
 * too, to show it is not the bottleneck. Everything shares this machine's cores: compare within one run.
 * Run with {@code deploy/bench/compare.sh [seconds (10)] [idle sizes (2000,4000,8000)] [warm-up seconds (60)]
 * [runs (1)]}: with several runs it prints each run's table, then the medians.
 */
public final class CompareBenchmark {
    static final String PASSWORD = "Compare-bench-pass-3e1";
    private static final int USERS = 1000;
    private static final int FETCH_SESSIONS = 4;

    private record Column(String name, Function<Setup, ProxyUnderTest> start, List<String> clientGroups) {
    }

    private CompareBenchmark() {
    }

    private static List<String> arguments = List.of();

    public static void main(String[] args) throws Exception {
        run(args);
        // a lingering non-daemon thread (an HTTP server's, a JDK resolver's) must not keep the tool running
        System.exit(0);
    }

    /** Runs the benchmark, prints the table and writes it to target/compare.md; returns it. */
    static String run(String[] args) throws Exception {
        arguments = List.of(args);
        Duration seconds = Duration.ofSeconds(args.length > 0 ? Long.parseLong(args[0]) : 10);
        Duration warmUp = Duration.ofSeconds(args.length > 2 ? Long.parseLong(args[2]) : 60);
        List<Integer> idleSizes = new ArrayList<>();
        for (String size : (args.length > 1 ? args[1] : "2000,4000,8000").split(",")) {
            idleSizes.add(Integer.parseInt(size.strip()));
        }
        Path dir = Files.createTempDirectory("postern-compare-");
        TestPki.Leaf leaf = TestPki.ca(dir, "ca", "Compare CA").issue(dir, "server", List.of("localhost",
                "127.0.0.1"));
        DovecotServer.Builder users = DovecotServer.builder().manySessions();
        for (int i = 0; i < USERS; i++) {
            users.user("bench" + i, PASSWORD);
        }
        for (int i = 0; i < FETCH_SESSIONS; i++) {
            users.user("fetch" + i, PASSWORD);
        }
        int runs = args.length > 3 ? Integer.parseInt(args[3]) : 1;
        List<Map<String, Map<String, String>>> tables = new ArrayList<>();
        List<String> columns = new ArrayList<>();
        try (DovecotServer dovecot = users.start()) {
            seedFetchUsers(dovecot);
            Setup classical = new Setup(dir, leaf.chainFile(), leaf.keyFile(), dovecot.port(), "X25519");
            Column postern = new Column("Postern", s -> PosternUnderTest.start(s, "[X25519]", "Postern"),
                    List.of("X25519"));
            List<Column> all = List.of(
                    new Column("HAProxy", s -> unchecked(() -> HaproxyUnderTest.start(s)), List.of("X25519")),
                    new Column("nginx", s -> unchecked(() -> NginxUnderTest.start(s)), List.of("X25519")),
                    postern,
                    new Column("Postern X25519MLKEM768", s -> PosternUnderTest.start(s, "[X25519MLKEM768, X25519]",
                            "Postern X25519MLKEM768"), List.of("X25519MLKEM768")));
            // COMPARE_COLUMNS=Postern,HAProxy runs those columns only (to measure one change quickly)
            List<String> only = List.of(System.getenv().getOrDefault("COMPARE_COLUMNS", "").split(","));
            if (only.get(0).isEmpty() || only.stream().anyMatch(c -> c.startsWith("Postern"))) {
                recordClassArchive(postern, classical, seconds);
            }
            for (int run = 1; run <= runs; run++) {
                Map<String, Map<String, String>> table = new LinkedHashMap<>();
                for (Column column : all) {
                    if (!only.get(0).isEmpty() && !only.contains(column.name())) {
                        continue;
                    }
                    String name;
                    Map<String, String> figures = new LinkedHashMap<>();
                    try {
                        name = measure(column, classical, seconds, warmUp, idleSizes, figures);
                    } catch (Exception | AssertionError e) {
                        System.out.println(column.name() + ": not measured: " + e);
                        name = column.name();
                    }
                    if (!columns.contains(name)) {
                        columns.add(name);
                    }
                    table.put(name, figures);
                }
                tables.add(table);
                if (runs > 1) {
                    System.out.printf("%nrun %d of %d:%n%s%n", run, runs, markdown(columns, List.of(table), seconds));
                }
            }
        }
        String markdown = markdown(columns, tables, seconds);
        System.out.println();
        System.out.println(markdown);
        Path out = Path.of("target/compare.md");
        Files.createDirectories(out.getParent());
        Files.writeString(out, markdown, StandardCharsets.UTF_8);
        System.out.println("written to " + out.toAbsolutePath());
        return markdown;
    }

    private static String measure(Column column, Setup setup, Duration seconds, Duration warmUp,
                                  List<Integer> idleSizes, Map<String, String> figures) throws Exception {
        String name;
        // COMPARE_FIGURES=memory, relay or cold measures only those figures (to try one lever quickly)
        String figuresOnly = System.getenv().getOrDefault("COMPARE_FIGURES", "all");
        if (figuresOnly.equals("memory")) {
            try (ProxyUnderTest fresh = column.start().apply(setup)) {
                idle(fresh, column, idleSizes, figures);
                return fresh.name();
            }
        }
        try (ProxyUnderTest proxy = column.start().apply(setup)) {
            name = proxy.name();
            if (figuresOnly.equals("relay")) { // after the same warm-up as the login figures get
                logins(proxy, column, 64, false, warmUp, Duration.ZERO, false);
                relay(proxy, column, seconds, figures);
                return name;
            }
            System.out.println("== " + name + " (pid " + proxy.pid() + ", PSS at rest "
                    + ProcessMeter.pssKiB(proxy.pid()) / 1024 + " MiB, " + ProcessMeter.threads(proxy.pid())
                    + " threads)");
            Map<String, Double> threadsAtRest = ProcessMeter.cpuByThread(proxy.pid());
            Logins cold = logins(proxy, column, 64, false, Duration.ZERO, seconds, false);
            figures.put("logins/s, 64 clients, first " + seconds.toSeconds() + " s after start", f0(cold.rate()));
            figures.put("proxy CPU per login (µs), 64 clients, first " + seconds.toSeconds() + " s",
                    f0(cold.cpuMicros()));
            printCpuByThread(proxy.pid(), threadsAtRest);
            if (figuresOnly.equals("cold")) {
                return name;
            }
            // every proxy gets the same warm-up (a JVM needs it: its JIT compiles the login path meanwhile)
            logins(proxy, column, 64, false, warmUp, Duration.ZERO, false);
            for (int clients : List.of(64, 16)) {
                for (boolean resumed : List.of(false, true)) {
                    Map<String, Double> threadsBefore = ProcessMeter.cpuByThread(proxy.pid());
                    Logins warm = logins(proxy, column, clients, resumed, seconds, seconds, clients == 16 && !resumed);
                    if (clients == 64 && !resumed) {
                        printCpuByThread(proxy.pid(), threadsBefore);
                    }
                    String what = clients + " clients" + (resumed ? ", resumed" : "");
                    figures.put("logins/s, " + what, f0(warm.rate()));
                    figures.put("proxy CPU per login (µs), " + what, f0(warm.cpuMicros()));
                    figures.put("generator CPU per login (µs), " + what, f0(warm.ownCpuMicros()));
                    if (!Double.isNaN(warm.allocatedKiB())) {
                        figures.put("heap allocated per login (KiB), " + what, f1(warm.allocatedKiB()));
                    }
                    if (warm.greetingP50Micros() >= 0) {
                        figures.put("greeting p50 (ms), 16 clients", f1(warm.greetingP50Micros() / 1000.0));
                    }
                }
            }
            noops(proxy, column, seconds, figures);
            relay(proxy, column, seconds, figures);
        }
        try (ProxyUnderTest fresh = column.start().apply(setup)) {
            idle(fresh, column, idleSizes, figures);
        }
        return name;
    }

    /** The CPU seconds each kind of thread used since {@code before}, largest first (where a cold start goes). */
    private static void printCpuByThread(long pid, Map<String, Double> before) {
        Map<String, Double> now = ProcessMeter.cpuByThread(pid);
        now.entrySet().stream()
                .map(e -> Map.entry(e.getKey(), e.getValue() - before.getOrDefault(e.getKey(), 0.0)))
                .filter(e -> e.getValue() >= 0.01)
                .sorted(Map.Entry.<String, Double>comparingByValue().reversed())
                .forEach(e -> System.out.printf("     %6.2f s CPU  %s%n", e.getValue(), e.getKey()));
    }

    private record Logins(double rate, double cpuMicros, double ownCpuMicros, double greetingP50Micros,
                          double allocatedKiB) {
    }

    /**
     * The first run of a Postern service records the classes it loaded into the launcher's class-data archive when
     * it stops; every later start (a restart, a rolling deploy: what the cold figures measure) maps them. This is
     * that first run: {@code seconds} of full and of resumed logins, then a stop.
     */
    private static void recordClassArchive(Column postern, Setup setup, Duration seconds) throws Exception {
        try (ProxyUnderTest first = postern.start().apply(setup)) {
            logins(first, postern, 64, false, seconds, Duration.ZERO, false);
            logins(first, postern, 64, true, seconds, Duration.ZERO, false);
        }
        String archive = PosternUnderTest.classArchive(setup);
        System.out.println("Postern's class-data archive, recorded by a first run as the launcher does: "
                + (!archive.isEmpty() && Files.exists(Path.of(archive))
                ? Files.size(Path.of(archive)) / (1024 * 1024) + " MiB" : "none (POSTERN_CDS_ARCHIVE empty)"));
    }

    private static Logins logins(ProxyUnderTest proxy, Column column, int clients, boolean resume, Duration warmUp,
                                 Duration measured, boolean greeting) throws Exception {
        try (ImapDriver driver = new ImapDriver(1, proxy.port(), column.clientGroups(), ImapDriver.Mode.LOGIN_LOOP,
                resume, i -> "bench" + (i % USERS), PASSWORD)) {
            driver.start(0, clients);
            Thread.sleep(warmUp.toMillis());
            driver.recordLatencies(greeting);
            long logins0 = driver.logins.get();
            double allocated0 = proxy.allocatedBytes();
            double cpu0 = ProcessMeter.cpuSeconds(proxy.pid());
            double own0 = ProcessMeter.ownCpuSeconds();
            long t0 = System.nanoTime();
            Thread.sleep(measured.toMillis());
            long logins = driver.logins.get() - logins0;
            double cpu = ProcessMeter.cpuSeconds(proxy.pid()) - cpu0;
            double own = ProcessMeter.ownCpuSeconds() - own0;
            double elapsed = (System.nanoTime() - t0) / 1e9;
            double allocated = proxy.allocatedBytes() - allocated0;
            driver.recordLatencies(false);
            System.out.printf("   %d clients%s: %d logins in %.1f s, %d failures%n", clients,
                    resume ? " resumed" : "", logins, elapsed, driver.failures.get());
            return new Logins(logins / elapsed, logins == 0 ? Double.NaN : cpu * 1e6 / logins,
                    logins == 0 ? Double.NaN : own * 1e6 / logins,
                    greeting ? percentile(driver.greetingNanos, 0.50) / 1000.0 : -1,
                    logins == 0 ? Double.NaN : allocated / logins / 1024);
        }
    }

    private static void noops(ProxyUnderTest proxy, Column column, Duration measured, Map<String, String> figures)
            throws Exception {
        try (ImapDriver driver = new ImapDriver(1, proxy.port(), column.clientGroups(), ImapDriver.Mode.NOOP, false,
                i -> "bench" + (i % USERS), PASSWORD)) {
            driver.start(0, 16);
            Thread.sleep(measured.toMillis());
            driver.recordLatencies(true);
            Thread.sleep(measured.toMillis());
            driver.recordLatencies(false);
            figures.put("NOOP round trip p50 (µs), 16 sessions", f0(percentile(driver.noopNanos, 0.50) / 1000.0));
            figures.put("NOOP round trip p99 (µs), 16 sessions", f0(percentile(driver.noopNanos, 0.99) / 1000.0));
        }
    }

    private static void relay(ProxyUnderTest proxy, Column column, Duration measured, Map<String, String> figures)
            throws Exception {
        try (ImapDriver driver = new ImapDriver(1, proxy.port(), column.clientGroups(), ImapDriver.Mode.FETCH, false,
                i -> "fetch" + i, PASSWORD)) {
            driver.start(0, FETCH_SESSIONS);
            // as long as measured, first: the relay's own code is compiled by then, as the logins' is for theirs
            Thread.sleep(measured.toMillis());
            long bytes0 = driver.bytes.get();
            double cpu0 = ProcessMeter.cpuSeconds(proxy.pid());
            long t0 = System.nanoTime();
            Thread.sleep(measured.toMillis());
            long bytes = driver.bytes.get() - bytes0;
            double cpu = ProcessMeter.cpuSeconds(proxy.pid()) - cpu0;
            double elapsed = (System.nanoTime() - t0) / 1e9;
            figures.put("relayed MB/s, 4 sessions fetching 10 MiB", f0(bytes / elapsed / 1e6));
            figures.put("proxy CPU s per GB relayed", f2(cpu / (bytes / 1e9)));
        }
    }

    private static void idle(ProxyUnderTest proxy, Column column, List<Integer> sizes, Map<String, String> figures)
            throws Exception {
        Thread.sleep(1000);
        long before = ProcessMeter.pssKiB(proxy.pid());
        figures.put("PSS at rest, fresh process (MiB)", f1(before / 1024.0));
        MemoryAccounting accounting = proxy instanceof PosternUnderTest postern
                && System.getenv("COMPARE_ACCOUNTING") != null ? MemoryAccounting.atRest(postern.process()) : null;
        try (ImapDriver driver = new ImapDriver(1, proxy.port(), column.clientGroups(), ImapDriver.Mode.IDLE, false,
                i -> "bench" + (i % USERS), PASSWORD)) {
            int opened = 0;
            long previous = before;
            int previousSize = 0;
            for (int size : sizes) {
                for (int from = opened; from < size; from += 200) {
                    int to = Math.min(size, from + 200);
                    driver.start(from, to);
                    awaitLoggedIn(driver, to);
                }
                opened = size;
                Thread.sleep(2000);
                long pss = ProcessMeter.pssKiB(proxy.pid());
                System.out.printf("   %d idle sessions: PSS %.1f MiB%n", size, pss / 1024.0);
                if (previousSize == 0) {
                    figures.put("memory per idle TLS session (KiB), " + size + " sessions, fresh process",
                            f1((pss - before) / (double) size));
                } else {
                    figures.put("memory per added idle session (KiB), " + previousSize + " to " + size,
                            f1((pss - previous) / (double) (size - previousSize)));
                }
                previous = pss;
                previousSize = size;
            }
            if (accounting != null) {
                accounting.report(opened, previous - before);
            }
        }
    }

    private static void awaitLoggedIn(ImapDriver driver, int count) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (driver.loggedIn.get() < count) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("only " + driver.loggedIn.get() + " of " + count
                        + " idle sessions logged in (" + driver.failures.get() + " failures)");
            }
            Thread.sleep(20);
        }
    }

    /** A 10 MiB message in each fetch user's INBOX, appended at Dovecot directly. */
    private static void seedFetchUsers(DovecotServer dovecot) throws Exception {
        byte[] message = TestMessages.crlf(10 * 1024 * 1024, 15, "ten MiB");
        for (int i = 0; i < FETCH_SESSIONS; i++) {
            try (RawImapClient c = RawImapClient.plain(dovecot.host(), dovecot.port())) {
                c.readLine();
                c.command("l", "LOGIN fetch" + i + " " + PASSWORD);
                c.send("a APPEND INBOX {" + message.length + "+}\r\n");
                c.sendBytes(message);
                c.send("\r\n");
                if (!RawImapClient.tagged(c.readUntilTagged("a")).startsWith("a OK")) {
                    throw new IllegalStateException("cannot seed fetch" + i);
                }
            }
        }
    }

    private static double percentile(Queue<Long> samples, double p) {
        long[] sorted = samples.stream().mapToLong(Long::longValue).sorted().toArray();
        if (sorted.length == 0) {
            return Double.NaN;
        }
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(p * sorted.length) - 1)];
    }

    /**
     * One table; over several runs each cell is the median of the runs' figures and the ratio the median of the
     * runs' ratios (each taken within its run, where HAProxy and Postern shared the machine's state).
     */
    private static String markdown(List<String> columns, List<Map<String, Map<String, String>>> tables,
                                   Duration seconds) {
        List<String> rows = new ArrayList<>();
        tables.forEach(t -> t.values().forEach(m -> m.keySet().stream().filter(k -> !rows.contains(k))
                .forEach(rows::add)));
        String haproxy = columns.stream().filter(c -> c.startsWith("HAProxy")).findFirst().orElse(null);
        String postern = columns.stream().filter(c -> c.equals("Postern")).findFirst().orElse(null);
        StringBuilder md = new StringBuilder("Measured " + LocalDate.now() + " on " + machine() + ", "
                + seconds.toSeconds() + " s per figure (`deploy/bench/compare.sh " + String.join(" ", arguments)
                + "`)" + (tables.size() > 1 ? "; medians of " + tables.size() + " runs" : "") + ".\n\n| figure |");
        columns.forEach(c -> md.append(' ').append(c).append(" |"));
        md.append(" Postern / HAProxy |\n|---|");
        columns.forEach(c -> md.append("---|"));
        md.append("---|\n");
        for (String row : rows) {
            md.append("| ").append(row).append(" |");
            for (String c : columns) {
                List<String> cells = tables.stream().map(t -> t.getOrDefault(c, Map.of()).get(row)).toList();
                md.append(' ').append(median(cells)).append(" |");
            }
            List<String> ratios = tables.stream().map(t -> ratio(t, postern, haproxy, row)).toList();
            md.append(' ').append(median(ratios)).append(" |\n");
        }
        return md.toString();
    }

    /** The median of the numeric cells, with the decimals they were written with; "—" when none is a number. */
    private static String median(List<String> cells) {
        List<String> numbers = cells.stream().filter(c -> c != null && c.matches("-?[0-9]+(\\.[0-9]+)?")).toList();
        if (numbers.isEmpty()) {
            return "—";
        }
        double[] sorted = numbers.stream().mapToDouble(Double::parseDouble).sorted().toArray();
        int n = sorted.length;
        double median = n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
        int dot = numbers.get(0).indexOf('.');
        int decimals = dot < 0 ? 0 : numbers.get(0).length() - dot - 1;
        return String.format("%." + decimals + "f", median);
    }

    private static String ratio(Map<String, Map<String, String>> table, String postern, String haproxy, String row) {
        if (postern == null || haproxy == null || !table.containsKey(postern) || !table.containsKey(haproxy)) {
            return "—";
        }
        try {
            double p = Double.parseDouble(table.get(postern).get(row));
            double h = Double.parseDouble(table.get(haproxy).get(row));
            return h == 0 ? "—" : f2(p / h);
        } catch (RuntimeException e) {
            return "—";
        }
    }

    private static String machine() {
        int cores = Runtime.getRuntime().availableProcessors();
        String cpu = "?";
        try {
            cpu = Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith("model name"))
                    .findFirst().map(l -> l.substring(l.indexOf(':') + 1).strip()).orElse("?");
        } catch (Exception e) {
            // unknown
        }
        return cores + " cores (" + cpu + "), Java " + System.getProperty("java.version");
    }

    private static String f0(double v) {
        return Double.isNaN(v) ? "—" : String.format("%.0f", v);
    }

    private static String f1(double v) {
        return Double.isNaN(v) ? "—" : String.format("%.1f", v);
    }

    private static String f2(double v) {
        return Double.isNaN(v) ? "—" : String.format("%.2f", v);
    }

    @FunctionalInterface
    private interface Starter {
        ProxyUnderTest start() throws Exception;
    }

    private static ProxyUnderTest unchecked(Starter starter) {
        try {
            return starter.start();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
