package dev.postern.it.interop;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * NeoMutt at a terminal (a pseudo-terminal a small Python driver holds; NeoMutt's batch mode refuses IMAP Fcc): it
 * opens INBOX, pipes each seeded message out raw, changes to the folder with the non-ASCII name (typed in UTF-8;
 * NeoMutt encodes it) and pipes its message; then it sends a message (to a sendmail that discards it) whose Fcc, the
 * record, is that folder: an APPEND. The driver types the keys a person would, as each prompt appears. NeoMutt's
 * message pipe gives LF line ends.
 */
public final class NeomuttClient implements InteropClient {
    private static final String VERSION = Programs.version("NeoMutt ", Pattern.compile("NeoMutt (\\S+)"), "neomutt",
            "-v");
    /** Runs a program on a pseudo-terminal, answers prompts from PTY_SCRIPT, bounded by PTY_TIMEOUT seconds. */
    private static final String DRIVER = """
import fcntl, json, os, pty, re, select, struct, sys, termios, time
steps = json.loads(os.environ.get('PTY_SCRIPT', '[]'))
mark = 0
deadline = time.time() + float(os.environ.get('PTY_TIMEOUT', '60'))
pid, fd = pty.fork()
if pid == 0:
    fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack('HHHH', 40, 132, 0, 0))
    os.execvp(sys.argv[1], sys.argv[1:])
screen = bytearray()
status = None
while time.time() < deadline:
    r, _, _ = select.select([fd], [], [], 0.2)
    if r:
        try:
            data = os.read(fd, 65536)
        except OSError:
            data = b''
        screen += data
        if not data:
            break
        # answer the next expected prompt once it shows (keys typed, as a person would)
        while steps and re.search(steps[0][0].encode(), bytes(screen[mark:])):
            mark = len(screen)
            os.write(fd, steps.pop(0)[1].encode())
    done, st = os.waitpid(pid, os.WNOHANG)
    if done:
        status = st
        break
while status is None and time.time() < deadline:
    done, st = os.waitpid(pid, os.WNOHANG)
    if done:
        status = st
    else:
        time.sleep(0.05)
if status is None:
    os.kill(pid, 9)
    os.waitpid(pid, 0)
    sys.stderr.write('timed out; last screen bytes:\\n' + screen[-3000:].decode('utf-8', 'replace'))
    sys.exit(124)
open(os.environ.get("PTY_LOG", "/dev/null"), "wb").write(screen)
sys.exit(os.waitstatus_to_exitcode(status))
            """;

    @Override
    public String name() {
        return "neomutt";
    }

    @Override
    public String version() {
        return VERSION;
    }

    @Override
    public String steps() {
        return "login, select, fetch (pipe each message), append (Fcc of a sent message), logout";
    }

    @Override
    public Fetched run(Cell cell) throws Exception {
        Path driver = cell.work().resolve("pty_run.py");
        Files.writeString(driver, DRIVER, StandardCharsets.UTF_8);
        Path sendmail = cell.work().resolve("sendmail.sh");
        Files.writeString(sendmail, "#!/bin/sh\ncat > /dev/null\n", StandardCharsets.UTF_8);
        Files.setPosixFilePermissions(sendmail, PosixFilePermissions.fromString("rwx------"));
        Path certificates = cell.work().resolve("certificates");
        Files.copy(cell.certificate(), certificates);
        Path rc = Programs.privateFile(cell, "neomuttrc", "set charset = \"utf-8\"\nset folder = \""
                + (cell.implicitTls() ? "imaps" : "imap") + "://127.0.0.1:" + cell.port() + "/\"\nset imap_user = \""
                + quote(cell.user()) + "\"\nset imap_pass = \"" + quote(cell.password()) + "\"\n"
                + "set ssl_force_tls = yes\nset ssl_starttls = yes\nset certificate_file = \"" + certificates + "\"\n"
                + "set ssl_verify_host = no\nset pipe_decode = no\nset wait_key = no\nset sort = mailbox-order\n"
                + "set quit = yes\nset header_cache = \"\"\nset message_cachedir = \"\"\n"
                + "set imap_check_subscribed = no\nset mail_check_stats = no\nset record = \"="
                + quote(cell.folder()) + "\"\nset copy = yes\nset sendmail = \"" + sendmail + "\"\n"
                + "set editor = \"true\"\nset abort_unmodified = no\nset from = \"interop@postern.test\"\n"
                + "set use_from = yes\n");
        Path out = Files.createDirectory(cell.work().resolve("piped"));
        Map<String, String> env = Map.of("TERM", "xterm", "LANG", "C.UTF-8", "HOME", cell.work().toString(),
                "PTY_TIMEOUT", "50");
        String read = "push \"<first-entry><pipe-message>cat > " + out.resolve("0")
                + "<enter><next-entry><pipe-message>cat > " + out.resolve("1") + "<enter><change-folder>="
                + cell.folder() + "<enter><first-entry><pipe-message>cat > " + out.resolve("2") + "<enter><quit>\"";
        Programs.ok(cell, List.of("python3", driver.toString(), "neomutt", "-n", "-F", rc.toString(), "-f", "=INBOX",
                "-e", read), env);
        List<byte[]> messages = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            messages.add(Files.readAllBytes(out.resolve(Integer.toString(i))));
        }
        Path draft = cell.work().resolve("draft");
        Files.write(draft, new String(cell.appendMessage(), StandardCharsets.UTF_8).replace("\r\n", "\n")
                .getBytes(StandardCharsets.UTF_8));
        Map<String, String> send = new java.util.HashMap<>(env);
        send.put("PTY_SCRIPT", "[[\"To: \", \"\\r\"], [\"Subject: \", \"\\r\"], [\"y:Send\", \"y\"]]");
        Programs.ok(cell, List.of("python3", driver.toString(), "neomutt", "-n", "-F", rc.toString(), "-H",
                draft.toString()), send);
        return new Fetched(messages, true, false);
    }

    private static String quote(String value) {
        return value.replace("\\", "\\\\").replace("\"", "\\\"").replace("$", "\\$").replace("`", "\\`");
    }
}
