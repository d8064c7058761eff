package dev.postern.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * A real Courier IMAP server (Debian's {@code courier-imap}, with authdaemond and a userdb) run from the root
 * {@code .ci/legacy-roots.sh} builds, as a private instance: authdaemonrc and userdb bind-mounted over
 * {@code /etc/courier} (Courier has the path compiled in), its socket directory over {@code /run/courier}, the users'
 * Maildirs in the instance's temporary directory; one free port of 127.0.0.1, served by couriertcpd. Personal
 * folders live under {@code INBOX.} with "." as the separator. Without {@link Builder#tls TLS} it is a plaintext-only
 * server that offers no AUTH= mechanism at all (only the LOGIN command, as many legacy servers); with TLS it is
 * Debian's default setup: STARTTLS, LOGIN before TLS, AUTH=PLAIN after it.
 */
public final class CourierServer implements ImapBackend {
    private static final String HOST = "127.0.0.1";
    private static final String CAPABILITY = "IMAP4rev1 UIDPLUS CHILDREN NAMESPACE THREAD=ORDEREDSUBJECT "
            + "THREAD=REFERENCES SORT QUOTA IDLE";
    private final ChrootedServer server;
    private final int port;
    private final String version;

    private CourierServer(ChrootedServer server, int port, String version) {
        this.server = server;
        this.port = port;
        this.version = version;
    }

    public static Builder builder() {
        return new Builder();
    }

    @Override
    public String host() {
        return HOST;
    }

    @Override
    public int port() {
        return port;
    }

    /** Courier serves TLS by STARTTLS only here. */
    @Override
    public int tlsPort() {
        throw new IllegalStateException("this Courier instance has no implicit-TLS port");
    }

    /** The Debian package's version, e.g. {@code 5.0.13+1.0.16-3+b6}. */
    public String version() {
        return version;
    }

    @Override
    public String logTail() {
        return server.logTail();
    }

    @Override
    public void close() {
        server.close();
    }

    /**
     * The key as SEC 1 ({@code EC PRIVATE KEY}) with its public key: GnuTLS 3.7, which couriertls uses, cannot load
     * a PKCS#8 EC key without the optional public key, which is how the JDK writes them ("ASN1 parser: Element was
     * not found", and every handshake fails after the certificate).
     */
    private static String sec1(Path privateKeyPem) throws IOException {
        Process p = new ProcessBuilder("openssl", "ec", "-in", privateKeyPem.toString())
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
        try {
            if (p.waitFor() != 0 || !out.contains("BEGIN EC PRIVATE KEY")) {
                throw new IllegalStateException("openssl ec could not rewrite " + privateKeyPem);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
        return out;
    }

    /** Users and TLS (STARTTLS, and AUTH=PLAIN after it); {@link #start()} writes the instance and starts authdaemond and couriertcpd. */
    public static final class Builder extends ChrootedBuilder<Builder> {
        private Builder() {
        }

        public CourierServer start() {
            Path root = ChrootedServer.root("courier");
            Path dir = ChrootedServer.instanceDirectory("postern-courier-");
            Map<String, Path> binds = Map.of("/etc/courier", dir.resolve("etc"), "/run/courier", dir.resolve("run"));
            int port = Ports.closedPort();
            String in = ChrootedServer.INSIDE;
            try {
                for (String sub : new String[] {"etc", "run", "run/authdaemon", "home", "users"}) {
                    Files.createDirectory(dir.resolve(sub));
                }
                Files.writeString(dir.resolve("etc/authdaemonrc"), "authmodulelist=\"authuserdb\"\ndaemons=2\n"
                        + "authdaemonvar=/run/courier/authdaemon\nDEBUG_LOGIN=0\nDEFAULTOPTIONS=\"\"\n"
                        + "LOGGEROPTS=\"\"\n", StandardCharsets.UTF_8);
                StringBuilder setup = new StringBuilder("set -e\nU=$(id -u courier)\nG=$(id -g courier)\n"
                        + "touch /etc/courier/userdb\nchmod 600 /etc/courier/userdb\n");
                int i = 0;
                for (Map.Entry<String, String> user : users.entrySet()) {
                    Path secret = dir.resolve("users").resolve(Integer.toString(i++));
                    Files.write(secret, (user.getValue() + "\n").getBytes(StandardCharsets.UTF_8));
                    String home = in + "/home/" + user.getKey();
                    setup.append("mkdir ").append(home).append("\nmaildirmake ").append(home).append("/Maildir\n")
                            .append("userdb '").append(user.getKey()).append("' set uid=$U gid=$G home=")
                            .append(home).append('\n')
                            .append("userdbpw -md5 < ").append(in).append("/users/").append(secret.getFileName())
                            .append(" | userdb '").append(user.getKey()).append("' set systempw\n");
                }
                setup.append("makeuserdb\nrm -r ").append(in).append("/users\nchown -R courier:courier ")
                        .append(in).append("/home\n");
                if (certificateChain != null) {
                    Files.writeString(dir.resolve("courier.pem"), sec1(privateKey)
                            + Files.readString(certificateChain));
                    setup.append("chown courier ").append(in).append("/courier.pem\nchmod 600 ").append(in)
                            .append("/courier.pem\n");
                }
                ChrootedServer.run(root, dir, binds, setup.toString());
            } catch (IOException e) {
                throw new UncheckedIOException("cannot prepare a Courier instance", e);
            }
            StringBuilder env = new StringBuilder("PATH=/usr/bin:/bin:/usr/sbin IMAP_IDLE_TIMEOUT=1 ");
            if (certificateChain != null) {
                env.append("IMAP_CAPABILITY='").append(CAPABILITY).append("' IMAP_CAPABILITY_TLS='")
                        .append(CAPABILITY).append(" AUTH=PLAIN' IMAP_STARTTLS=YES COURIERTLS=/usr/bin/couriertls ")
                        .append("TLS_CERTFILE=").append(in).append("/courier.pem TLS_VERIFYPEER=NONE ");
            } else {
                env.append("IMAP_CAPABILITY='").append(CAPABILITY).append("' IMAP_STARTTLS=NO ");
            }
            // imaplogin asks authdaemond over its socket: listen only once that socket exists
            String script = "/usr/lib/courier/courier-authlib/authdaemond &\n"
                    + "for i in $(seq 200); do [ -S /run/courier/authdaemon/socket ] && break; sleep 0.05; done\n"
                    + "exec env -i " + env + "/usr/sbin/couriertcpd -address=" + HOST
                    + " -nodnslookup -noidentlookup -maxprocs=200 -maxperip=200 " + port
                    + " /usr/lib/courier/courier/imaplogin /usr/bin/imapd Maildir";
            ChrootedServer server = ChrootedServer.start(root, dir, binds, script, port);
            return new CourierServer(server, port, ChrootedServer.packageVersion(root, "courier-imap"));
        }
    }
}
