package dev.postern.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs {@code tls_close_probe.py} (Python's ssl module over OpenSSL): one IMAP session over TLS that ends by LOGOUT
 * or by the client ending first, and says how TLS ended on the client's side: {@code CLOSE_NOTIFY} or
 * {@code UNEXPECTED_EOF} (the server sent a TCP FIN without close_notify, which OpenSSL clients report as an
 * error), see the script.
 */
public final class TlsCloseProbe {
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    private TlsCloseProbe() {
    }

    /** How the session ended: the probe's last line, and everything it printed. */
    public record Outcome(String ending, String output) {
    }

    /**
     * @param startTls STARTTLS on a plain port instead of implicit TLS
     * @param user null for no login
     * @param clientEnds true: the client ends first (close_notify, FIN); false: LOGOUT and read to the end
     */
    public static Outcome run(int port, boolean startTls, String user, String password, boolean clientEnds) {
        Path script = script();
        List<String> command = List.of("python3", script.toString(), String.valueOf(port),
                startTls ? "starttls" : "implicit", user == null ? "-" : user, password == null ? "-" : password,
                clientEnds ? "client-ends" : "logout");
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            process.getOutputStream().close();
            if (!process.waitFor(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                throw new AssertionError("the TLS close probe did not finish within " + TIMEOUT);
            }
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            List<String> lines = output.lines().toList();
            return new Outcome(lines.isEmpty() ? "" : lines.get(lines.size() - 1), output);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } finally {
            try {
                Files.deleteIfExists(script);
            } catch (IOException ignored) {
                // a temp file
            }
        }
    }

    private static Path script() {
        try (InputStream in = TlsCloseProbe.class.getResourceAsStream("tls_close_probe.py")) {
            if (in == null) {
                throw new IllegalStateException("tls_close_probe.py is not on the test class path");
            }
            Path file = Files.createTempFile("tls-close-probe-", ".py");
            Files.copy(in, file, StandardCopyOption.REPLACE_EXISTING);
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
