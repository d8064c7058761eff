package dev.postern.testing;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Runs {@code openssl s_client} against a loopback port and reads what it printed: the negotiated protocol and
 * cipher, whether the session was resumed, the ALPN result, alerts, and the server's leaf certificate. Standard
 * input gets the given text and is then closed; the process is bounded by a timeout and killed past it.
 */
public final class OpenSslClient {
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);
    private static final Pattern CIPHER = Pattern.compile("^(New|Reused), (\\S+), Cipher is (\\S+)", Pattern.MULTILINE);
    private static final Pattern ALPN = Pattern.compile("^ALPN protocol: (\\S+)", Pattern.MULTILINE);
    private static final Pattern LEAF = Pattern.compile(
            "Server certificate\\s*\\n(-----BEGIN CERTIFICATE-----.*?-----END CERTIFICATE-----)", Pattern.DOTALL);

    private OpenSslClient() {
    }

    /** What one s_client run printed (standard output and error together) and its exit code. */
    public record Result(String output, int exitCode) {
        /** True when a handshake completed: s_client printed a real cipher. */
        public boolean connected() {
            Matcher m = CIPHER.matcher(output);
            return m.find() && !m.group(3).equals("(NONE)");
        }

        /** The negotiated cipher in OpenSSL's naming, or null when none was. */
        public String cipher() {
            Matcher m = CIPHER.matcher(output);
            return m.find() && !m.group(3).equals("(NONE)") ? m.group(3) : null;
        }

        /** TLSv1.3, TLSv1.2…, or null when no handshake completed. */
        public String protocol() {
            Matcher m = CIPHER.matcher(output);
            return m.find() && !m.group(3).equals("(NONE)") ? m.group(2) : null;
        }

        /** True when s_client reported the session as {@code Reused}. */
        public boolean reused() {
            Matcher m = CIPHER.matcher(output);
            return m.find() && m.group(1).equals("Reused");
        }

        /** The ALPN protocol the server selected, or null. */
        public String alpn() {
            Matcher m = ALPN.matcher(output);
            return m.find() ? m.group(1) : null;
        }

        /** True when s_client printed an alert containing {@code text} (e.g. "no application protocol"). */
        public boolean alert(String text) {
            return output.lines().anyMatch(l -> l.contains("alert") && l.contains(text));
        }

        /** The server's leaf certificate, or null when none was printed. */
        public X509Certificate leaf() {
            Matcher m = LEAF.matcher(output);
            if (!m.find()) {
                return null;
            }
            try {
                return (X509Certificate) CertificateFactory.getInstance("X.509")
                        .generateCertificate(new ByteArrayInputStream(m.group(1).getBytes(StandardCharsets.US_ASCII)));
            } catch (CertificateException e) {
                throw new IllegalStateException("s_client printed an unreadable certificate", e);
            }
        }

        /** The leaf's subject common name, or null. */
        public String leafCommonName() {
            X509Certificate leaf = leaf();
            if (leaf == null) {
                return null;
            }
            Matcher m = Pattern.compile("CN=([^,]+)").matcher(leaf.getSubjectX500Principal().getName());
            return m.find() ? m.group(1) : null;
        }

        /** The lines worth showing in an assertion message (no session dumps, no certificate bodies). */
        public String summary() {
            List<String> keep = new ArrayList<>();
            for (String line : output.split("\n")) {
                String l = line.strip();
                if (l.contains("Cipher is") || l.contains("alert") || l.contains("error") || l.contains("ALPN")
                        || l.startsWith("subject=") || l.startsWith("Protocol") || l.startsWith("* ")
                        || l.startsWith("a ") || l.contains("Reused")) {
                    keep.add(l);
                }
            }
            return "exit " + exitCode + ": " + String.join(" | ", keep);
        }
    }

    /** {@code openssl s_client -connect 127.0.0.1:port [args]}, stdin closed at once. */
    public static Result connect(int port, String... args) {
        return run(port, "", DEFAULT_TIMEOUT, args);
    }

    /**
     * Runs s_client with {@code stdin} as its input (then closed). With {@code -ign_eof} and an IMAP LOGOUT as
     * input, s_client reads until the server closes: TLS 1.3 session tickets, sent after the handshake, arrive.
     */
    public static Result run(int port, String stdin, Duration timeout, String... args) {
        List<String> command = new ArrayList<>(List.of("openssl", "s_client", "-connect", "127.0.0.1:" + port));
        command.addAll(List.of(args));
        Process process;
        try {
            process = new ProcessBuilder(command).redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + command + " (is openssl installed? run .ci/install-test-deps.sh)", e);
        }
        CompletableFuture<String> output = CompletableFuture.supplyAsync(() -> readAll(process.getInputStream()));
        try (OutputStream in = process.getOutputStream()) {
            in.write(stdin.getBytes(StandardCharsets.US_ASCII));
        } catch (IOException ignored) {
            // s_client may have exited already (a refused handshake): its output says why
        }
        try {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                String partial = output.getNow("");
                throw new AssertionError(command + " did not finish within " + timeout + "; output so far: "
                        + new Result(partial, -1).summary());
            }
            return new Result(output.get(timeout.toMillis(), TimeUnit.MILLISECONDS), process.exitValue());
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (ExecutionException | TimeoutException e) {
            process.destroyForcibly();
            throw new IllegalStateException("cannot read the output of " + command, e);
        }
    }

    private static String readAll(InputStream in) {
        try (in) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
