package dev.postern.testing;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * A tiny blocking IMAP client over a {@link Socket} for tests that need byte-level control: it sends exactly the
 * bytes it is given and reads line by line, with a read timeout (10 s unless {@link #timeout changed}) so a test
 * never hangs. TLS trusts every certificate. Sends and receives are never logged.
 *
 * <p>Lines are returned without their CRLF, decoded as UTF-8. {@link #readResponse()} also reads the literals of a
 * response ({@code {n}} at the end of a line) and returns the response as it was on the wire, less the final CRLF.
 * Not thread-safe.
 */
public final class RawImapClient implements Closeable {

    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);
    private static final int CONNECT_TIMEOUT_MILLIS = 5000;
    private static final int MAX_LINE_BYTES = 1 << 20;
    private static final Pattern LITERAL_AT_END = Pattern.compile("\\{(\\d{1,9})\\+?}$");

    private final String host;
    private final int port;
    private Socket socket;
    private BufferedInputStream in;
    private OutputStream out;
    private boolean closedByPeer;

    private RawImapClient(Socket socket, String host, int port) throws IOException {
        this.host = host;
        this.port = port;
        use(socket);
        socket.setSoTimeout((int) DEFAULT_TIMEOUT.toMillis());
    }

    /** Connects in plaintext. The greeting is not read: call {@link #readLine()}. */
    public static RawImapClient plain(String host, int port) throws IOException {
        return new RawImapClient(connect(null, host, port), host, port);
    }

    /**
     * Connects in plaintext from a chosen local address, e.g. {@code 127.0.0.2}: Dovecot treats a client whose
     * address equals its own as secured, and per-IP limits need distinct sources.
     */
    public static RawImapClient plainFrom(String localAddress, String host, int port) throws IOException {
        return new RawImapClient(connect(localAddress, host, port), host, port);
    }

    /** Connects with implicit TLS (handshake done, any certificate trusted, no SNI for an IP literal). */
    public static RawImapClient tls(String host, int port) throws IOException {
        return tls(host, port, null);
    }

    /** Connects with implicit TLS, sending {@code sniHostName} (when not null) in the ClientHello. */
    public static RawImapClient tls(String host, int port, String sniHostName) throws IOException {
        return tlsFrom(null, host, port, sniHostName);
    }

    /** Connects with implicit TLS from a chosen local address ({@code null}: any), as {@link #plainFrom} does. */
    public static RawImapClient tlsFrom(String localAddress, String host, int port, String sniHostName)
            throws IOException {
        Socket plain = connect(localAddress, host, port);
        try {
            plain.setSoTimeout((int) DEFAULT_TIMEOUT.toMillis());
            return new RawImapClient(handshake(plain, host, port, sniHostName), host, port);
        } catch (IOException | RuntimeException e) {
            plain.close();
            throw e;
        }
    }

    /** Sets the read timeout of every following read. */
    public RawImapClient timeout(Duration timeout) throws IOException {
        socket.setSoTimeout(Math.toIntExact(timeout.toMillis()));
        return this;
    }

    /** Writes exactly these characters as UTF-8; the caller adds CRLF. */
    public void send(String raw) throws IOException {
        sendBytes(raw.getBytes(StandardCharsets.UTF_8));
    }

    /** Writes exactly these bytes. */
    public void sendBytes(byte[] raw) throws IOException {
        out.write(raw);
        out.flush();
    }

    /**
     * Sends {@code tag + " " + command + CRLF} and returns every response up to and including the tagged one. A
     * command with a synchronizing literal waits for a {@code +} continuation: drive that with {@link #send} and
     * {@link #readLine} instead.
     */
    public List<String> command(String tag, String commandWithoutTag) throws IOException {
        send(tag + " " + commandWithoutTag + "\r\n");
        return readUntilTagged(tag);
    }

    /** Reads responses (literals included) until one starts with {@code tag + " "}; returns all of them. */
    public List<String> readUntilTagged(String tag) throws IOException {
        String prefix = tag + " ";
        List<String> responses = new ArrayList<>();
        while (true) {
            String response;
            try {
                response = readResponse();
            } catch (IOException e) {
                throw new IOException(e.getMessage() + " while waiting for tagged response " + tag
                        + "; received before: " + responses, e);
            }
            responses.add(response);
            if (response.startsWith(prefix)) {
                return responses;
            }
        }
    }

    /** The last element of {@link #command}: the tagged response itself. */
    public static String tagged(List<String> responses) {
        return responses.get(responses.size() - 1);
    }

    /** Reads one line, without its CRLF (a bare LF also ends a line). */
    public String readLine() throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        while (true) {
            int b = read(line);
            if (b == '\n') {
                byte[] bytes = line.toByteArray();
                int length = bytes.length > 0 && bytes[bytes.length - 1] == '\r' ? bytes.length - 1 : bytes.length;
                return new String(bytes, 0, length, StandardCharsets.UTF_8);
            }
            if (line.size() >= MAX_LINE_BYTES) {
                throw new IOException("line longer than " + MAX_LINE_BYTES + " bytes");
            }
            line.write(b);
        }
    }

    /**
     * Reads one response: a line, and while it ends with a literal announcement {@code {n}} (or {@code {n+}}), the
     * n bytes and the line that follows them. Returns it as on the wire, less the final CRLF.
     */
    public String readResponse() throws IOException {
        String line = readLine();
        StringBuilder response = new StringBuilder(line);
        // only the line text after the latest literal can announce another one, never the literal's own bytes
        for (Matcher literal = LITERAL_AT_END.matcher(line); literal.find(); literal = LITERAL_AT_END.matcher(line)) {
            byte[] data = readBytes(Integer.parseInt(literal.group(1)));
            line = readLine();
            response.append("\r\n").append(new String(data, StandardCharsets.UTF_8)).append(line);
        }
        return response.toString();
    }

    /** Reads exactly {@code count} bytes. */
    public byte[] readBytes(int count) throws IOException {
        byte[] data = new byte[count];
        int done = 0;
        while (done < count) {
            int n;
            try {
                n = in.read(data, done, count - done);
            } catch (SocketTimeoutException e) {
                throw timedOut(e, done + " of " + count + " bytes");
            }
            if (n < 0) {
                closedByPeer = true;
                throw new EOFException("connection closed by peer after " + done + " of " + count + " bytes");
            }
            done += n;
        }
        return data;
    }

    /** Upgrades this connection to TLS after the server's {@code OK} to STARTTLS (any certificate trusted). */
    public void startTls() throws IOException {
        startTls(null);
    }

    /**
     * Upgrades this connection to TLS, sending {@code sniHostName} when not null. Fails when the server sent any
     * byte after its STARTTLS reply that this client has not read: such bytes would be plaintext injected before
     * the handshake.
     */
    public void startTls(String sniHostName) throws IOException {
        int pending = in.available();
        if (pending > 0) {
            throw new IOException(pending + " unread plaintext byte(s) arrived before the TLS handshake");
        }
        use(handshake(socket, host, port, sniHostName));
    }

    /** The TLS session; fails on a plaintext connection. */
    public SSLSession sslSession() {
        if (!(socket instanceof SSLSocket ssl)) {
            throw new IllegalStateException("not a TLS connection");
        }
        return ssl.getSession();
    }

    public boolean isTls() {
        return socket instanceof SSLSocket;
    }

    /**
     * True when the peer has closed the connection: a read meets end of stream (or a reset) within the read
     * timeout. False when data is waiting (it stays unread) or the connection is still open when the timeout ends.
     */
    public boolean isClosedByPeer() throws IOException {
        return isClosedByPeer(Duration.ofMillis(socket.getSoTimeout()));
    }

    /** {@link #isClosedByPeer()} with its own bound. */
    public boolean isClosedByPeer(Duration wait) throws IOException {
        if (closedByPeer) {
            return true;
        }
        int previous = socket.getSoTimeout();
        socket.setSoTimeout(Math.max(1, Math.toIntExact(wait.toMillis())));
        try {
            in.mark(1);
            if (in.read() < 0) {
                closedByPeer = true;
                return true;
            }
            in.reset();
            return false;
        } catch (SocketTimeoutException stillOpen) {
            return false;
        } catch (IOException resetOrTlsAbort) {
            closedByPeer = true;
            return true;
        } finally {
            if (!socket.isClosed()) {
                socket.setSoTimeout(previous);
            }
        }
    }

    public Socket socket() {
        return socket;
    }

    /** The buffered input of the current (plain or TLS) socket, for raw reads between line reads. */
    public InputStream inputStream() {
        return in;
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException ignored) {
            // closing a test connection: nothing to do
        }
    }

    // ---- internals ----------------------------------------------------------------------------------------------

    private int read(ByteArrayOutputStream soFar) throws IOException {
        int b;
        try {
            b = in.read();
        } catch (SocketTimeoutException e) {
            throw timedOut(e, "partial line " + printable(soFar));
        }
        if (b < 0) {
            closedByPeer = true;
            throw new EOFException(soFar.size() == 0 ? "connection closed by peer"
                    : "connection closed by peer in the middle of line " + printable(soFar));
        }
        return b;
    }

    private IOException timedOut(SocketTimeoutException cause, String state) throws IOException {
        SocketTimeoutException e = new SocketTimeoutException("nothing more from " + host + ":" + port + " within "
                + socket.getSoTimeout() + " ms; read so far: " + state);
        e.initCause(cause);
        return e;
    }

    private static String printable(ByteArrayOutputStream bytes) {
        return "\"" + new String(bytes.toByteArray(), StandardCharsets.UTF_8).replace("\r", "\\r") + "\"";
    }

    private void use(Socket next) throws IOException {
        socket = next;
        in = new BufferedInputStream(next.getInputStream());
        out = next.getOutputStream();
    }

    private static Socket connect(String localAddress, String host, int port) throws IOException {
        Socket socket = new Socket();
        try {
            if (localAddress != null) {
                socket.bind(new InetSocketAddress(localAddress, 0));
            }
            socket.connect(new InetSocketAddress(host, port), CONNECT_TIMEOUT_MILLIS);
            socket.setTcpNoDelay(true);
            return socket;
        } catch (IOException e) {
            socket.close();
            throw e;
        }
    }

    private static SSLSocket handshake(Socket plain, String host, int port, String sniHostName) throws IOException {
        SSLSocket ssl = (SSLSocket) TrustAll.CONTEXT.getSocketFactory().createSocket(plain, host, port, true);
        ssl.setUseClientMode(true);
        if (sniHostName != null) {
            SSLParameters parameters = ssl.getSSLParameters();
            parameters.setServerNames(List.of(new SNIHostName(sniHostName)));
            ssl.setSSLParameters(parameters);
        }
        ssl.setSoTimeout(plain.getSoTimeout());
        ssl.startHandshake();
        return ssl;
    }

    /** An SSLContext that accepts every server certificate: these tests use self-signed ones. */
    private static final class TrustAll extends X509ExtendedTrustManager {
        static final SSLContext CONTEXT = create();

        private static SSLContext create() {
            try {
                SSLContext context = SSLContext.getInstance("TLS");
                context.init(null, new TrustManager[] {new TrustAll()}, null);
                return context;
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException("cannot create a trust-all SSLContext", e);
            }
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) {
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) {
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) {
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) {
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    }
}
