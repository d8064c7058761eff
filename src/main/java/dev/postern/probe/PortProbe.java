package dev.postern.probe;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

/**
 * One host and port, probed as a mail client would: TCP (refused or silent), then implicit TLS or plaintext with
 * STARTTLS by the port's convention (993 and 585 implicit, anything else plaintext first), recognising the other
 * kind when the server speaks it; greeting, capabilities, TLS version, cipher, ALPN, the certificate chain (trusted,
 * self-signed, expired or expiring, the host name), plaintext login before TLS, and a login when asked.
 */
final class PortProbe {
    private static final int MAX_LINE = 8192;

    private final String host;
    private final int port;
    private final Duration timeout;
    private final String user;
    private final String password;
    private final List<Finding> findings = new ArrayList<>();
    private final Map<String, Object> facts = new LinkedHashMap<>();

    PortProbe(String host, int port, Duration timeout, String user, String password) {
        this.host = host;
        this.port = port;
        this.timeout = timeout;
        this.user = user;
        this.password = password;
    }

    static boolean implicitTlsPort(int port) {
        return port == 993 || port == 585;
    }

    /** Runs the probe; {@code implicitTls} null picks by the port's convention. */
    Result run(Boolean implicitTls) {
        boolean tlsFirst = implicitTls != null ? implicitTls : implicitTlsPort(port);
        facts.put("mode", tlsFirst ? "implicit TLS" : "plaintext / STARTTLS");
        try (Socket socket = connect()) {
            if (socket == null) {
                return result();
            }
            if (tlsFirst) {
                implicit(socket);
            } else {
                plaintext(socket);
            }
        } catch (IOException e) {
            findings.add(Finding.fail("connection failed: " + e.getMessage()));
        }
        return result();
    }

    private Result result() {
        return new Result(host, port, List.copyOf(findings), facts);
    }

    private Socket connect() throws IOException {
        Socket socket = new Socket();
        try {
            socket.connect(new InetSocketAddress(host, port), (int) timeout.toMillis());
            socket.setSoTimeout((int) timeout.toMillis());
            facts.put("reachable", true);
            return socket;
        } catch (ConnectException e) {
            socket.close();
            facts.put("reachable", false);
            findings.add(Finding.fail("connection refused: nothing listens on " + host + ":" + port));
        } catch (SocketTimeoutException e) {
            socket.close();
            facts.put("reachable", false);
            findings.add(Finding.fail("no answer to the connection within " + timeout.toMillis()
                    + " ms: a firewall is probably dropping packets to " + host + ":" + port));
        }
        return null;
    }

    private void plaintext(Socket socket) throws IOException {
        String greeting;
        try {
            greeting = readLine(socket.getInputStream());
        } catch (SocketTimeoutException e) {
            findings.add(Finding.warn("no plaintext greeting within " + timeout.toMillis() + " ms: this port speaks "
                    + "implicit TLS (clients set to STARTTLS or plaintext fail here); trying TLS"));
            facts.put("mode", "implicit TLS (found)");
            try (Socket again = connect()) {
                if (again != null) {
                    implicit(again);
                }
            }
            return;
        }
        if (greeting == null) {
            findings.add(Finding.fail("the server closed the connection without a greeting"));
            return;
        }
        if (!greeting.startsWith("* ")) {
            findings.add(Finding.fail("not an IMAP greeting" + (looksLikeTls(greeting)
                    ? " but TLS bytes: this port speaks implicit TLS" : ": " + printable(greeting))));
            return;
        }
        facts.put("greeting", printable(greeting));
        List<String> caps = capabilities(socket, greeting);
        facts.put("capabilities", caps);
        boolean starttls = caps.contains("STARTTLS");
        facts.put("starttls", starttls);
        if (!caps.contains("LOGINDISABLED")) {
            findings.add(Finding.warn("plaintext login is allowed before TLS (no LOGINDISABLED): passwords can "
                    + "travel in the clear"));
        } else {
            findings.add(Finding.ok("plaintext login refused before TLS (LOGINDISABLED)"));
        }
        if (!starttls) {
            findings.add(Finding.warn("no STARTTLS offered: this port is plaintext only"));
            login(socket);
            return;
        }
        send(socket, "p1 STARTTLS\r\n");
        String answer = untilTagged(socket.getInputStream(), "p1");
        if (answer == null || !answer.startsWith("p1 OK")) {
            findings.add(Finding.fail("STARTTLS refused: " + printable(String.valueOf(answer))));
            return;
        }
        SSLSocket tls = handshake(socket);
        if (tls != null) {
            List<String> after = capabilities(tls, null);
            facts.put("capabilities_after_tls", after);
            login(tls);
        }
    }

    private void implicit(Socket socket) throws IOException {
        SSLSocket tls = handshake(socket);
        if (tls == null) {
            return;
        }
        String greeting = readLine(tls.getInputStream());
        if (greeting == null || !greeting.startsWith("* ")) {
            findings.add(Finding.fail("no IMAP greeting after the TLS handshake"));
            return;
        }
        facts.put("greeting", printable(greeting));
        facts.put("capabilities", capabilities(tls, greeting));
        login(tls);
    }

    /** TLS over {@code plain}: facts and findings; null when it failed. */
    private SSLSocket handshake(Socket plain) throws IOException {
        CapturingTrust capture = new CapturingTrust();
        SSLSocket tls;
        try {
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, new TrustManager[] {capture}, null);
            tls = (SSLSocket) context.getSocketFactory().createSocket(plain, host, port, true);
            SSLParameters parameters = tls.getSSLParameters();
            parameters.setApplicationProtocols(new String[] {"imap"});
            tls.setSSLParameters(parameters);
            tls.startHandshake();
        } catch (javax.net.ssl.SSLException e) {
            String sniff = sniffPlaintext(plain);
            findings.add(Finding.fail(sniff != null
                    ? "plaintext IMAP spoken on a port where TLS was expected (it said: " + sniff + ")"
                    : "TLS handshake failed: " + e.getMessage()));
            return null;
        } catch (java.security.GeneralSecurityException e) {
            throw new IOException(e);
        }
        facts.put("tls_version", tls.getSession().getProtocol());
        facts.put("cipher", tls.getSession().getCipherSuite());
        String alpn = tls.getApplicationProtocol();
        facts.put("alpn", alpn == null || alpn.isEmpty() ? "none" : alpn);
        findings.add(Finding.ok("TLS " + tls.getSession().getProtocol() + " " + tls.getSession().getCipherSuite()));
        if (tls.getSession().getProtocol().equals("TLSv1") || tls.getSession().getProtocol().equals("TLSv1.1")) {
            findings.add(Finding.warn("an obsolete TLS version (RFC 8996)"));
        }
        checkCertificates(capture.chain);
        return tls;
    }

    private void checkCertificates(X509Certificate[] chain) {
        if (chain == null || chain.length == 0) {
            findings.add(Finding.fail("no server certificate"));
            return;
        }
        X509Certificate leaf = chain[0];
        List<String> described = new ArrayList<>();
        for (X509Certificate c : chain) {
            described.add(c.getSubjectX500Principal().getName() + " (issuer " + c.getIssuerX500Principal().getName()
                    + ", until " + c.getNotAfter().toInstant() + ")");
        }
        facts.put("certificate_chain", described);
        facts.put("certificate_expires", leaf.getNotAfter().toInstant().toString());
        Instant now = Instant.now();
        if (leaf.getNotAfter().toInstant().isBefore(now)) {
            findings.add(Finding.fail("the certificate expired on " + leaf.getNotAfter().toInstant()));
        } else if (leaf.getNotAfter().toInstant().isBefore(now.plus(Duration.ofDays(14)))) {
            findings.add(Finding.warn("the certificate expires within 14 days (" + leaf.getNotAfter().toInstant() + ")"));
        }
        if (chain.length == 1 && leaf.getSubjectX500Principal().equals(leaf.getIssuerX500Principal())) {
            findings.add(Finding.fail("the certificate is self-signed: clients will not trust it"));
        } else if (!trusted(chain)) {
            findings.add(Finding.fail("the certificate chain is not trusted by the system's CA store (a missing "
                    + "intermediate, or a private CA)"));
        }
        if (!HostNames.matches(leaf, host)) {
            findings.add(Finding.fail("the certificate does not name " + host + " (it names "
                    + HostNames.names(leaf) + ")"));
        }
    }

    private static boolean trusted(X509Certificate[] chain) {
        try {
            TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            factory.init((java.security.KeyStore) null);
            for (TrustManager tm : factory.getTrustManagers()) {
                if (tm instanceof X509TrustManager x509) {
                    x509.checkServerTrusted(chain, "UNKNOWN");
                    return true;
                }
            }
        } catch (java.security.GeneralSecurityException e) {
            return false;
        }
        return false;
    }

    /** After a failed handshake: did the server send a plaintext IMAP line? */
    private String sniffPlaintext(Socket plain) {
        try (Socket again = new Socket()) {
            again.connect(new InetSocketAddress(host, port), (int) timeout.toMillis());
            again.setSoTimeout((int) Math.min(timeout.toMillis(), 2000));
            String line = readLine(again.getInputStream());
            return line != null && line.startsWith("* ") ? printable(line) : null;
        } catch (IOException e) {
            return null;
        }
    }

    private void login(Socket socket) throws IOException {
        if (user == null) {
            return;
        }
        send(socket, "p2 LOGIN " + quote(user) + " " + quote(password) + "\r\n");
        String answer = untilTagged(socket.getInputStream(), "p2");
        if (answer != null && answer.startsWith("p2 OK")) {
            findings.add(Finding.ok("login as " + user + " succeeded"));
            send(socket, "p3 LOGOUT\r\n");
        } else {
            // The server's text only: never the command, which holds the password.
            findings.add(Finding.fail("login as " + user + " failed: " + printable(String.valueOf(answer))));
        }
    }

    private List<String> capabilities(Socket socket, String greeting) throws IOException {
        if (greeting != null) {
            int start = greeting.indexOf("[CAPABILITY ");
            int end = start < 0 ? -1 : greeting.indexOf(']', start);
            if (end > 0) {
                return Arrays.asList(greeting.substring(start + 12, end).toUpperCase(Locale.ROOT).split(" "));
            }
        }
        send(socket, "p0 CAPABILITY\r\n");
        List<String> caps = new ArrayList<>();
        InputStream in = socket.getInputStream();
        for (String line = readLine(in); line != null && !line.startsWith("p0 "); line = readLine(in)) {
            if (line.toUpperCase(Locale.ROOT).startsWith("* CAPABILITY ")) {
                caps.addAll(Arrays.asList(line.substring(13).toUpperCase(Locale.ROOT).split(" ")));
            }
        }
        return caps;
    }

    private static String untilTagged(InputStream in, String tag) throws IOException {
        for (String line = readLine(in); line != null; line = readLine(in)) {
            if (line.startsWith(tag + " ")) {
                return line;
            }
        }
        return null;
    }

    private static void send(Socket socket, String text) throws IOException {
        OutputStream out = socket.getOutputStream();
        out.write(text.getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    /** One line without CRLF; null at end of stream. */
    static String readLine(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        for (int b = in.read(); b != -1; b = in.read()) {
            if (b == '\n') {
                String text = line.toString(StandardCharsets.ISO_8859_1);
                return text.endsWith("\r") ? text.substring(0, text.length() - 1) : text;
            }
            line.write(b);
            if (line.size() > MAX_LINE) {
                return line.toString(StandardCharsets.ISO_8859_1);
            }
        }
        return line.size() == 0 ? null : line.toString(StandardCharsets.ISO_8859_1);
    }

    private static boolean looksLikeTls(String text) {
        return !text.isEmpty() && (text.charAt(0) == 0x15 || text.charAt(0) == 0x16);
    }

    private static String printable(String text) {
        String clean = text.replaceAll("[^\\x20-\\x7e]", "?");
        return clean.length() > 200 ? clean.substring(0, 200) + "..." : clean;
    }

    private static String quote(String text) {
        return '"' + text.replace("\\", "\\\\").replace("\"", "\\\"") + '"';
    }

    /** Accepts any chain (the probe judges it itself) and keeps it. */
    private static final class CapturingTrust implements X509TrustManager {
        X509Certificate[] chain;

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) {
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) {
            this.chain = chain;
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    }

    /** What one port showed. */
    record Result(String host, int port, List<Finding> findings, Map<String, Object> facts) {
        Finding.Level worst() {
            return findings.stream().map(Finding::level).max(Enum::compareTo).orElse(Finding.Level.OK);
        }
    }
}
