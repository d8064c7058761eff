package dev.postern.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.postern.testing.PosternHarness;
import dev.postern.testing.RawImapClient;
import dev.postern.testing.TestSecrets;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Finding 8j over real sockets: a scripted backend answers Postern's login with untagged status lines (an ALERT,
 * RFC 9051 7.1) before its tagged reply; the client sees them, in order, before its own tagged OK or NO, on both
 * TLS listeners. The backend's greeting and capability lines are Postern's and never reach the client.
 */
class BackendAlertsIT {
    private static final String PASSWORD = TestSecrets.register("alert-pass-1");
    private static ScriptedBackend backend;
    private static PosternHarness postern;

    @BeforeAll
    static void start() throws IOException {
        backend = new ScriptedBackend();
        postern = PosternHarness.start("", "127.0.0.1:" + backend.port());
    }

    @AfterAll
    static void stop() throws Exception {
        if (postern != null) {
            postern.close();
        }
        if (backend != null) {
            backend.close();
        }
    }

    @ParameterizedTest
    @EnumSource(ClientListener.class)
    void alertsFromTheLoginReachTheClientBeforeItsTaggedOk(ClientListener listener) throws IOException {
        try (RawImapClient client = listener.open(postern)) {
            List<String> reply = client.command("a", "LOGIN alice " + PASSWORD);
            assertEquals(List.of("* OK [ALERT] Your quota is 95% full", "* NO Mailbox INBOX is being repaired",
                    "a OK [CAPABILITY IMAP4rev1 IDLE] Logged in"), reply);
        }
    }

    @ParameterizedTest
    @EnumSource(ClientListener.class)
    void alertsFromARefusedLoginReachTheClientBeforeTheNo(ClientListener listener) throws IOException {
        try (RawImapClient client = listener.open(postern)) {
            List<String> reply = client.command("a", "LOGIN locked " + PASSWORD);
            assertEquals(List.of("* NO [ALERT] Account locked, call the help desk",
                    "a NO [AUTHENTICATIONFAILED] Locked"), reply);
        }
    }

    /** Greets with capabilities; answers LOGIN with status lines, then OK for alice and NO for anyone else. */
    private static final class ScriptedBackend implements AutoCloseable {
        private final ServerSocket socket = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"));
        private final Thread thread = new Thread(this::serve, "scripted-backend");

        ScriptedBackend() throws IOException {
            thread.setDaemon(true);
            thread.start();
        }

        int port() {
            return socket.getLocalPort();
        }

        private void serve() {
            while (!socket.isClosed()) {
                try {
                    Socket connection = socket.accept();
                    Thread session = new Thread(() -> converse(connection), "scripted-backend-session");
                    session.setDaemon(true);
                    session.start();
                } catch (IOException closed) {
                    return;
                }
            }
        }

        private static void converse(Socket connection) {
            try (connection) {
                BufferedReader in = new BufferedReader(
                        new InputStreamReader(connection.getInputStream(), StandardCharsets.UTF_8));
                OutputStream out = connection.getOutputStream();
                write(out, "* OK [CAPABILITY IMAP4rev1 LITERAL+] scripted ready");
                for (String line; (line = in.readLine()) != null; ) {
                    String[] words = line.split(" ");
                    if (words.length >= 3 && words[1].equalsIgnoreCase("LOGIN")) {
                        if (words[2].equals("\"alice\"")) {
                            write(out, "* OK [ALERT] Your quota is 95% full");
                            write(out, "* CAPABILITY IMAP4rev1 IDLE");
                            write(out, "* NO Mailbox INBOX is being repaired");
                            write(out, words[0] + " OK Logged in");
                        } else {
                            write(out, "* NO [ALERT] Account locked, call the help desk");
                            write(out, words[0] + " NO [AUTHENTICATIONFAILED] Locked");
                        }
                    } else if (words.length >= 2 && words[1].equalsIgnoreCase("LOGOUT")) {
                        write(out, "* BYE bye");
                        write(out, words[0] + " OK done");
                        return;
                    } else if (words.length >= 2) {
                        write(out, words[0] + " BAD unexpected");
                    }
                }
            } catch (IOException gone) {
                // the proxy closed the connection
            }
        }

        private static void write(OutputStream out, String line) throws IOException {
            out.write((line + "\r\n").getBytes(StandardCharsets.UTF_8));
            out.flush();
        }

        @Override
        public void close() throws Exception {
            socket.close();
            thread.join(5000);
        }
    }
}
