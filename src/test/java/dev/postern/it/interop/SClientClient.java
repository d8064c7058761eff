package dev.postern.it.interop;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code openssl s_client} (with {@code -starttls imap} on the STARTTLS listener) as a raw IMAP pipe, driven command by
 * command as a person at a terminal would: LOGIN with synchronizing literals (the 8-bit password goes as bytes),
 * LIST, SELECT, UID FETCH, APPEND with a synchronizing literal, IDLE until the probe's EXISTS, DONE, LOGOUT.
 */
public final class SClientClient implements InteropClient {
    private static final String VERSION = Programs.version("openssl s_client ",
            Pattern.compile("OpenSSL (\\S+)"), "openssl", "version");
    private static final Pattern LITERAL = Pattern.compile("\\{(\\d+)}$");
    private static final long TIMEOUT_MS = 30_000;

    @Override
    public String name() {
        return "s_client";
    }

    @Override
    public String version() {
        return VERSION;
    }

    @Override
    public String steps() {
        return "login (literals), list, select, uid fetch, append, IDLE, logout";
    }

    @Override
    public boolean idles() {
        return true;
    }

    @Override
    public Fetched run(Cell cell) throws Exception {
        List<String> command = new ArrayList<>(List.of("openssl", "s_client", "-quiet", "-verify_quiet",
                "-connect", "127.0.0.1:" + cell.port()));
        if (!cell.implicitTls()) {
            command.addAll(List.of("-starttls", "imap"));
        }
        Process process = new ProcessBuilder(command).redirectError(cell.work().resolve("s_client.err").toFile())
                .start();
        // a stalled s_client must not hang the suite: its output ends when it is killed
        java.util.concurrent.CompletableFuture.runAsync(process::destroyForcibly,
                java.util.concurrent.CompletableFuture.delayedExecutor(5 * TIMEOUT_MS, TimeUnit.MILLISECONDS));
        try (Session s = new Session(process.getInputStream(), process.getOutputStream())) {
            if (cell.implicitTls()) {
                assertTrue(s.line().startsWith("* OK"), "greeting");
            }
            s.ok("c", "CAPABILITY");
            byte[] user = cell.user().getBytes(StandardCharsets.UTF_8);
            byte[] password = cell.password().getBytes(StandardCharsets.UTF_8);
            s.send("l LOGIN {" + user.length + "}\r\n");
            s.continuation();
            s.out.write(user);
            s.send(" {" + password.length + "}\r\n");
            s.continuation();
            s.out.write(password);
            s.send("\r\n");
            s.tagged("l");
            List<Response> list = s.ok("t", "LIST \"\" \"*\"");
            assertTrue(list.stream().anyMatch(r -> r.line.contains(cell.folderUtf7())), list::toString);
            List<byte[]> messages = new ArrayList<>();
            s.ok("s1", "SELECT INBOX");
            s.ok("f1", "UID FETCH 1:2 BODY.PEEK[]").stream().filter(r -> r.literal != null)
                    .forEach(r -> messages.add(r.literal));
            s.ok("s2", "SELECT \"" + cell.folderUtf7() + "\"");
            s.ok("f2", "UID FETCH 1 BODY.PEEK[]").stream().filter(r -> r.literal != null)
                    .forEach(r -> messages.add(r.literal));
            byte[] append = cell.appendMessage();
            s.send("a APPEND \"" + cell.folderUtf7() + "\" {" + append.length + "}\r\n");
            s.continuation();
            s.out.write(append);
            s.send("\r\n");
            s.tagged("a");
            s.ok("s3", "SELECT INBOX");
            s.send("i IDLE\r\n");
            s.continuation();
            cell.probe().deliver();
            s.until(r -> r.line.matches("\\* [3-9]\\d* EXISTS"), "the probe's EXISTS");
            s.send("DONE\r\n");
            s.tagged("i");
            s.send("o LOGOUT\r\n");
            s.tagged("o");
            process.getOutputStream().close();
            if (!process.waitFor(TIMEOUT_MS, TimeUnit.MILLISECONDS)) {
                fail("s_client did not exit after LOGOUT");
            }
            return new Fetched(messages, false, true);
        } finally {
            process.destroy();
        }
    }

    /** One response line and the literal it carried, if any (only single-literal lines occur here). */
    private record Response(String line, byte[] literal) {
        @Override
        public String toString() {
            return line;
        }
    }

    private static final class Session implements AutoCloseable {
        private final InputStream in;
        private final OutputStream out;
        private final long deadline = System.currentTimeMillis() + 5 * TIMEOUT_MS;

        Session(InputStream in, OutputStream out) {
            this.in = in;
            this.out = out;
        }

        void send(String text) throws IOException {
            out.write(text.getBytes(StandardCharsets.UTF_8));
            out.flush();
        }

        List<Response> ok(String tag, String command) throws IOException {
            send(tag + " " + command + "\r\n");
            return tagged(tag);
        }

        /** Reads to the tagged response, which must be OK. */
        List<Response> tagged(String tag) throws IOException {
            List<Response> seen = until(r -> r.line.startsWith(tag + " "), "the " + tag + " response");
            String last = seen.get(seen.size() - 1).line;
            assertTrue(last.startsWith(tag + " OK"), () -> seen.toString());
            return seen;
        }

        void continuation() throws IOException {
            until(r -> r.line.startsWith("+"), "a continuation");
        }

        List<Response> until(Predicate<Response> wanted, String what) throws IOException {
            List<Response> seen = new ArrayList<>();
            while (System.currentTimeMillis() < deadline) {
                Response r = response();
                if (r == null) {
                    break;
                }
                seen.add(r);
                if (wanted.test(r)) {
                    return seen;
                }
            }
            return fail("no " + what + "; saw " + seen);
        }

        private Response response() throws IOException {
            String first = line();
            if (first == null) {
                return null;
            }
            Matcher m = LITERAL.matcher(first);
            if (!m.find()) {
                return new Response(first, null);
            }
            byte[] literal = in.readNBytes(Integer.parseInt(m.group(1)));
            String rest = line();
            return new Response(first + "..." + rest, literal);
        }

        String line() throws IOException {
            ByteArrayOutputStream buf = new ByteArrayOutputStream();
            int b;
            while ((b = in.read()) >= 0) {
                if (b == '\n') {
                    byte[] bytes = buf.toByteArray();
                    int end = bytes.length > 0 && bytes[bytes.length - 1] == '\r' ? bytes.length - 1 : bytes.length;
                    return new String(bytes, 0, end, StandardCharsets.UTF_8);
                }
                buf.write(b);
            }
            return buf.size() == 0 ? null : buf.toString(StandardCharsets.UTF_8);
        }

        @Override
        public void close() {
        }
    }
}
