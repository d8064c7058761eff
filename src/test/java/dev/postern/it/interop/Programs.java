package dev.postern.it.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.postern.testing.ClientProcess;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/** What the process-driven clients share: running them, their versions, reading back what they stored. */
final class Programs {
    static final Duration TIMEOUT = Duration.ofSeconds(60);

    private Programs() {
    }

    /** Writes a file only its owner may read (a password, a config holding one) into the cell's directory. */
    static Path privateFile(Cell cell, String name, String content) throws IOException {
        Path file = cell.work().resolve(name);
        Files.writeString(file, content, StandardCharsets.UTF_8);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        return file;
    }

    /** Runs a client to completion; fails the cell with its output unless it exits 0 and never printed the password. */
    static ClientProcess.Result ok(Cell cell, List<String> command, Map<String, String> env) throws Exception {
        ClientProcess.Result result = ClientProcess.run(cell.work(), command, env, TIMEOUT);
        assertTrue(result.keeps(cell.password()), command.get(0) + " printed the password");
        assertEquals(0, result.exit(), () -> command.get(0) + ": " + result.describe());
        return result;
    }

    /** The first match of {@code pattern}'s group 1 in what {@code command} prints, or "?" when it cannot run. */
    static String version(String prefix, Pattern pattern, String... command) {
        try {
            Path dir = Files.createTempDirectory("postern-version-");
            ClientProcess.Result r = ClientProcess.run(dir, List.of(command), Map.of(), Duration.ofSeconds(20));
            Matcher m = pattern.matcher(r.stdout() + r.stderr());
            return prefix + (m.find() ? m.group(1) : "?");
        } catch (Exception e) {
            return prefix + "?";
        }
    }

    /** Every message file of a Maildir tree (cur and new of every folder), excluding the given names. */
    static List<byte[]> maildirMessages(Path root) throws IOException {
        List<byte[]> out = new ArrayList<>();
        try (Stream<Path> files = Files.walk(root)) {
            for (Path f : files.filter(Files::isRegularFile).filter(p -> {
                String parent = p.getParent().getFileName().toString();
                return parent.equals("cur") || parent.equals("new");
            }).sorted().toList()) {
                out.add(Files.readAllBytes(f));
            }
        }
        return out;
    }

    /** Puts {@code message} (as LF lines, a local mailbox's form) into a Maildir folder's new/ as a fresh message. */
    static void dropIntoMaildir(Path folder, byte[] message) throws IOException {
        Path fresh = folder.resolve("new");
        Files.createDirectories(fresh);
        Files.createDirectories(folder.resolve("cur"));
        Files.createDirectories(folder.resolve("tmp"));
        String lf = new String(message, java.nio.charset.StandardCharsets.UTF_8).replace("\r\n", "\n");
        Files.writeString(fresh.resolve(System.currentTimeMillis() + ".interop." + ProcessHandle.current().pid()
                + ".postern"), lf, java.nio.charset.StandardCharsets.UTF_8);
    }
}
