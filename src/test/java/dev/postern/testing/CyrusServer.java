package dev.postern.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * A real Cyrus IMAP server (Debian's {@code cyrus-imapd}) run from the root {@code .ci/legacy-roots.sh} builds, as a
 * private instance: its own imapd.conf and cyrus.conf, users in its own sasldb, spool and config directory, all in a
 * temporary directory, on free ports of 127.0.0.1. Mailboxes use the alternate namespace (personal folders beside
 * INBOX) with "/" as the separator; an INBOX is made at the first login; IDLE polls every second. Without
 * {@link Builder#tls TLS} it is plaintext only and accepts LOGIN and AUTHENTICATE PLAIN in the clear; with TLS it
 * offers STARTTLS on its IMAP port, implicit TLS on a second port, and refuses plaintext logins before TLS, as
 * operators configure it.
 */
public final class CyrusServer implements ImapBackend {
    private static final String HOST = "127.0.0.1";
    private final ChrootedServer server;
    private final int port;
    private final int tlsPort;
    private final String version;

    private CyrusServer(ChrootedServer server, int port, int tlsPort, String version) {
        this.server = server;
        this.port = port;
        this.tlsPort = tlsPort;
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

    @Override
    public int tlsPort() {
        if (tlsPort <= 0) {
            throw new IllegalStateException("this Cyrus instance was built without tls(...)");
        }
        return tlsPort;
    }

    /** The Debian package's version, e.g. {@code 3.6.1-4+deb12u5}. */
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

    /** Users and TLS; {@link #start()} writes the instance and starts Cyrus's master. */
    public static final class Builder {
        private final Map<String, String> users = new LinkedHashMap<>();
        private Path certificateChain;
        private Path privateKey;

        private Builder() {
        }

        /** A user with a password (any bytes but NUL and line ends; stored in UTF-8). */
        public Builder user(String name, String password) {
            users.put(Objects.requireNonNull(name), Objects.requireNonNull(password));
            return this;
        }

        /** Serves TLS with this PEM chain and key: STARTTLS, implicit TLS, no plaintext login before TLS. */
        public Builder tls(Path certificateChainPem, Path privateKeyPem) {
            certificateChain = certificateChainPem;
            privateKey = privateKeyPem;
            return this;
        }

        public CyrusServer start() {
            Path root = ChrootedServer.root("cyrus");
            Path dir = ChrootedServer.instanceDirectory("postern-cyrus-");
            int port = Ports.closedPort();
            int tlsPort = certificateChain == null ? 0 : Ports.closedPort();
            try {
                for (String sub : new String[] {"config", "spool", "sock", "users"}) {
                    Files.createDirectory(dir.resolve(sub));
                }
                StringBuilder setup = new StringBuilder("set -e\n");
                int i = 0;
                for (Map.Entry<String, String> user : users.entrySet()) {
                    Path secret = dir.resolve("users").resolve(Integer.toString(i++));
                    Files.write(secret, user.getValue().getBytes(StandardCharsets.UTF_8));
                    setup.append("saslpasswd2 -p -c -f " + ChrootedServer.INSIDE + "/sasldb2 -u postern-test '")
                            .append(user.getKey()).append("' < ").append(inside(dir, secret)).append('\n');
                }
                setup.append("rm -r " + ChrootedServer.INSIDE + "/users\nchown -R cyrus:mail "
                        + ChrootedServer.INSIDE + "\nchmod 640 " + ChrootedServer.INSIDE + "/sasldb2\n");
                Files.writeString(dir.resolve("imapd.conf"), imapdConf(), StandardCharsets.UTF_8);
                Files.writeString(dir.resolve("cyrus.conf"), cyrusConf(port, tlsPort), StandardCharsets.UTF_8);
                if (certificateChain != null) {
                    Files.copy(certificateChain, dir.resolve("cert.pem"));
                    Files.copy(privateKey, dir.resolve("key.pem"));
                }
                ChrootedServer.run(root, dir, Map.of(), setup.toString());
            } catch (IOException e) {
                throw new UncheckedIOException("cannot prepare a Cyrus instance", e);
            }
            ChrootedServer server = ChrootedServer.start(root, dir, Map.of(), "exec /usr/lib/cyrus/bin/master -C "
                    + ChrootedServer.INSIDE + "/imapd.conf -M " + ChrootedServer.INSIDE + "/cyrus.conf -p "
                    + ChrootedServer.INSIDE + "/master.pid", port);
            return new CyrusServer(server, port, tlsPort, ChrootedServer.packageVersion(root, "cyrus-imapd"));
        }

        private static String inside(Path dir, Path file) {
            return ChrootedServer.INSIDE + "/" + dir.relativize(file);
        }

        private String imapdConf() {
            String in = ChrootedServer.INSIDE;
            StringBuilder conf = new StringBuilder("# Generated by dev.postern.testing.CyrusServer\n")
                    .append("configdirectory: ").append(in).append("/config\n")
                    .append("partition-default: ").append(in).append("/spool\n")
                    .append("servername: postern-test\n")
                    .append("admins: cyrusadmin\n")
                    .append("sasl_pwcheck_method: auxprop\nsasl_auxprop_plugin: sasldb\n")
                    .append("sasl_sasldb_path: ").append(in).append("/sasldb2\n")
                    .append("sasl_mech_list: PLAIN LOGIN\n")
                    .append("autocreate_quota: 0\n")
                    .append("altnamespace: yes\nunixhierarchysep: yes\n")
                    // no idled runs: IDLE polls, every second rather than Cyrus's default minute
                    .append("imapidlepoll: 1\n")
                    .append("idlesocket: ").append(in).append("/sock/idle\n")
                    .append("lmtpsocket: ").append(in).append("/sock/lmtp\n")
                    .append("notifysocket: ").append(in).append("/sock/notify\n");
            if (certificateChain != null) {
                conf.append("allowplaintext: no\n")
                        .append("tls_server_cert: ").append(in).append("/cert.pem\n")
                        .append("tls_server_key: ").append(in).append("/key.pem\n");
            } else {
                conf.append("allowplaintext: yes\n");
            }
            return conf.toString();
        }

        private static String cyrusConf(int port, int tlsPort) {
            String imapd = "imapd -C " + ChrootedServer.INSIDE + "/imapd.conf";
            return "START {\n  recover cmd=\"ctl_cyrusdb -r -C " + ChrootedServer.INSIDE + "/imapd.conf\"\n}\n"
                    + "SERVICES {\n  imap cmd=\"" + imapd + "\" listen=\"" + HOST + ":" + port + "\" prefork=0\n"
                    + (tlsPort > 0 ? "  imaps cmd=\"" + imapd + " -s\" listen=\"" + HOST + ":" + tlsPort
                            + "\" prefork=0\n" : "")
                    + "}\nEVENTS {\n}\nDAEMON {\n}\n";
        }
    }
}
