package dev.postern.testing;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A server run from one of the Debian roots {@code .ci/legacy-roots.sh} builds (Cyrus, Courier: their packages
 * conflict with the installed Dovecot): {@code chroot} inside a private mount namespace, with the instance's own
 * temporary directory bind-mounted at {@code /srv/postern} and further directories over the paths the server has
 * compiled in. Nothing of the root's own configuration is used; no service is started. Needs root.
 */
public final class ChrootedServer implements AutoCloseable {
    /** Where the instance directory appears inside the root. */
    public static final String INSIDE = "/srv/postern";
    private static final Duration SETUP_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(10);

    private final Process process;
    private final Path instance;
    private final Path log;

    private ChrootedServer(Process process, Path instance, Path log) {
        this.process = process;
        this.instance = instance;
        this.log = log;
    }

    /** The root named {@code name} ("cyrus", "courier"), or a clear error naming the script that builds it. */
    public static Path root(String name) {
        Path root = Path.of(System.getenv().getOrDefault("POSTERN_LEGACY_ROOTS", "/var/lib/postern-tests/roots"))
                .resolve(name);
        if (!Files.isExecutable(root.resolve("usr/bin/env"))) {
            throw new IllegalStateException(root + " is missing: run bash .ci/legacy-roots.sh (part of "
                    + ".ci/install-test-deps.sh)");
        }
        return root;
    }

    /** A fresh instance directory that the root's unprivileged server users may traverse. */
    public static Path instanceDirectory(String prefix) {
        try {
            Path dir = Files.createTempDirectory(Path.of("/tmp"), prefix);
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create an instance directory", e);
        }
    }

    /** The version of {@code pkg} installed in {@code root}, from the root's own dpkg database. */
    public static String packageVersion(Path root, String pkg) {
        try {
            Process p = new ProcessBuilder("dpkg-query", "--admindir=" + root.resolve("var/lib/dpkg"), "-W",
                    "-f=${Version}", pkg).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            return p.waitFor() == 0 ? out : "?";
        } catch (IOException e) {
            return "?";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "?";
        }
    }

    /** Runs {@code script} with {@code sh} inside the root to completion; fails with its output unless it exits 0. */
    public static void run(Path root, Path instance, Map<String, Path> binds, String script) {
        Path log = instance.resolve("setup.log");
        Process p = launch(root, instance, binds, script, log);
        try {
            if (!p.waitFor(SETUP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException("setup in " + root + " did not finish: " + tail(log));
            }
            if (p.exitValue() != 0) {
                throw new IllegalStateException("setup in " + root + " failed (" + p.exitValue() + "): " + tail(log));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    /**
     * Starts {@code script} (which should end by exec'ing the server) inside the root and waits until
     * {@code port} accepts connections.
     */
    public static ChrootedServer start(Path root, Path instance, Map<String, Path> binds, String script, int port) {
        Path log = instance.resolve("server.log");
        ChrootedServer server = new ChrootedServer(launch(root, instance, binds, script, log), instance, log);
        try {
            await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(50))
                    .until(() -> Ports.accepts(port) || !server.process.isAlive());
        } catch (RuntimeException e) {
            String output = tail(log);
            server.close();
            throw new IllegalStateException("server in " + root + " never listened on " + port + ": " + output, e);
        }
        if (!server.process.isAlive()) {
            String output = tail(log);
            server.close();
            throw new IllegalStateException("server in " + root + " exited (" + server.process.exitValue() + "): "
                    + output);
        }
        return server;
    }

    private static Process launch(Path root, Path instance, Map<String, Path> binds, String script, Path log) {
        Map<String, Path> all = new LinkedHashMap<>(binds);
        all.put(INSIDE, instance);
        StringBuilder mounts = new StringBuilder("set -e\n");
        all.forEach((inside, outside) -> mounts.append("mount --bind '").append(outside).append("' '")
                .append(root).append(inside).append("'\n"));
        mounts.append("exec chroot '").append(root).append("' /bin/sh -c \"$1\"\n");
        // a session of its own: Courier's authdaemond signals its whole process group when it stops, which would
        // otherwise be the test JVM's (and Maven's)
        List<String> command = new ArrayList<>(List.of("setsid", "--wait", "unshare", "--mount", "--propagation",
                "private", "sh", "-c",
                mounts.toString(), "chrooted", script));
        try {
            ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(log.toFile()).redirectInput(ProcessBuilder.Redirect.from(new java.io.File(
                            "/dev/null")));
            builder.environment().clear();
            builder.environment().put("PATH", "/usr/sbin:/usr/bin:/sbin:/bin");
            return builder.start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start unshare/chroot for " + root, e);
        }
    }

    /** The server's own process: below {@code setsid} when setsid had to fork to start a session. */
    public long serverPid() {
        ProcessHandle handle = process.toHandle();
        boolean forked = handle.info().command().filter(c -> c.endsWith("/setsid")).isPresent();
        return forked ? handle.children().findFirst().map(ProcessHandle::pid).orElse(handle.pid()) : handle.pid();
    }

    /** The server's standard output and error so far, last 4 KiB. */
    public String logTail() {
        return tail(log);
    }

    private static String tail(Path log) {
        try {
            String text = Files.readString(log, StandardCharsets.UTF_8);
            return text.substring(Math.max(0, text.length() - 4096));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    /** Stops the server and what it started (its descendants), by process id, and deletes the instance directory. */
    @Override
    public void close() {
        stop();
        try (var paths = Files.walk(instance)) {
            paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // a leftover temporary directory is harmless
        }
    }

    private void stop() {
        List<ProcessHandle> descendants = process.descendants().toList();
        process.destroy();
        descendants.forEach(ProcessHandle::destroy);
        long deadline = System.nanoTime() + STOP_TIMEOUT.toNanos();
        for (ProcessHandle handle : concat(process.toHandle(), descendants)) {
            long left = Math.max(0, deadline - System.nanoTime());
            try {
                handle.onExit().get(left, TimeUnit.NANOSECONDS);
            } catch (Exception e) {
                handle.destroyForcibly();
            }
        }
    }

    private static List<ProcessHandle> concat(ProcessHandle first, List<ProcessHandle> rest) {
        List<ProcessHandle> all = new ArrayList<>(rest);
        all.add(0, first);
        return all;
    }
}
