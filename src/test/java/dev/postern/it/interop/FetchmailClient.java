package dev.postern.it.interop;

import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * fetchmail: one poll of INBOX and the folder with the non-ASCII name (keep, fetchall) delivering each message to an
 * mbox through an MDA, then a second fetchmail in IDLE mode on INBOX that must deliver the probe's message. fetchmail
 * never appends. {@code invisible} and {@code no rewrite} keep it from adding a Received: header or rewriting
 * addresses; it hands the MDA LF line ends (the mbox's form).
 */
public final class FetchmailClient implements InteropClient {
    /** fetchmail's verbose log once it sent IDLE and the server said go ahead. */
    private static final Pattern IDLING = Pattern.compile("IMAP> A\\d+ IDLE\\n(?:.*\\n)*?fetchmail: IMAP< \\+");
    private static final String VERSION = Programs.version("fetchmail ",
            Pattern.compile("release ([0-9.]+)"), "fetchmail", "--version");

    @Override
    public String name() {
        return "fetchmail";
    }

    @Override
    public String version() {
        return VERSION;
    }

    @Override
    public String steps() {
        return "login, select, fetch to an mbox, IDLE, logout (fetchmail does not list or append)";
    }

    @Override
    public boolean idles() {
        return true;
    }

    @Override
    public boolean appends() {
        return false;
    }

    @Override
    public Fetched run(Cell cell) throws Exception {
        Path mbox = cell.work().resolve("fetched.mbox");
        Path mda = cell.work().resolve("mda.sh");
        // one file per message as well as the mbox: the test compares messages, not mbox framing
        Files.writeString(mda, "#!/bin/sh\nn=$(ls " + cell.work().resolve("msgs") + " | wc -l)\n"
                + "tee " + cell.work().resolve("msgs") + "/$n | { printf 'From fetchmail %s\\n' \"$(date)\"; cat; "
                + "echo; } >> " + mbox + "\n", StandardCharsets.UTF_8);
        Files.setPosixFilePermissions(mda, PosixFilePermissions.fromString("rwx------"));
        Path msgs = Files.createDirectory(cell.work().resolve("msgs"));
        Programs.ok(cell, List.of("fetchmail", "-f", rc(cell, "fetchmailrc", mda, "INBOX,\"" + cell.folderUtf7()
                + "\"", "fetchall").toString(), "-N", "-v"), java.util.Map.of("HOME", cell.work().toString()));
        List<byte[]> messages = new ArrayList<>();
        try (Stream<Path> files = Files.list(msgs)) {
            for (Path f : files.sorted().toList()) {
                messages.add(Files.readAllBytes(f));
            }
        }
        return new Fetched(messages, true, idle(cell, mda, msgs));
    }

    private static Path rc(Cell cell, String name, Path mda, String folders, String extra) throws Exception {
        Path rc = cell.work().resolve(name);
        String password = cell.password().replace("\\", "\\\\").replace("\"", "\\\"");
        String tls = cell.implicitTls() ? "ssl" : "sslproto 'tls1.2+'";
        Files.writeString(rc, "set no syslog\nset no bouncemail\nset invisible\nset idfile \""
                + cell.work().resolve("fetchids") + "\"\npoll 127.0.0.1 service " + cell.port()
                + " protocol IMAP auth password timeout 30\n  user \"" + cell.user() + "\" there with password \""
                + password + "\" is root here\n"
                + "  folder " + folders + "\n  keep " + extra + " no rewrite " + tls + " no sslcertck\n"
                + "  mda \"" + mda + "\"\n", StandardCharsets.UTF_8);
        Files.setPosixFilePermissions(rc, PosixFilePermissions.fromString("rw-------"));
        return rc;
    }

    /** fetchmail in IDLE mode runs until stopped: started, probed, awaited, stopped by its process id. */
    private static boolean idle(Cell cell, Path mda, Path msgs) throws Exception {
        Path rc = rc(cell, "fetchmailrc-idle", mda, "INBOX", "idle");
        Path log = cell.work().resolve("fetchmail-idle.log");
        Process idler = new ProcessBuilder("fetchmail", "-f", rc.toString(), "-N", "-v")
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try {
            // the probe goes only once fetchmail idles (its verbose log shows the server's continuation), so what
            // delivers it is IDLE, not fetchmail's first poll
            await().atMost(Duration.ofSeconds(40)).pollInterval(Duration.ofMillis(50))
                    .until(() -> idling(log) || !idler.isAlive());
            if (!idling(log)) {
                return false;
            }
            cell.probe().deliver();
            await().atMost(Duration.ofSeconds(40)).pollInterval(Duration.ofMillis(100))
                    .until(() -> probeArrived(msgs) || !idler.isAlive());
            return probeArrived(msgs);
        } finally {
            idler.destroy();
            idler.waitFor();
            org.junit.jupiter.api.Assertions.assertFalse(Files.readString(log, StandardCharsets.UTF_8)
                    .contains(cell.password()), "fetchmail logged the password");
        }
    }

    private static boolean idling(Path log) throws Exception {
        return IDLING.matcher(Files.readString(log, StandardCharsets.ISO_8859_1)).find();
    }

    private static boolean probeArrived(Path msgs) throws Exception {
        try (Stream<Path> files = Files.list(msgs)) {
            for (Path f : files.toList()) {
                if (Files.readString(f, StandardCharsets.ISO_8859_1).contains("Subject: " + Cell.PROBE_SUBJECT)) {
                    return true;
                }
            }
        }
        return false;
    }
}
