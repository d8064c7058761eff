package dev.postern.bench.compare;

import com.sun.net.httpserver.HttpServer;
import dev.postern.testing.ChrootedServer;
import dev.postern.testing.Ports;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * nginx's mail module (Debian's {@code nginx} and {@code libnginx-mod-mail}, from the root {@code .ci/legacy-roots.sh}
 * builds, so no system nginx is ever installed or started) doing the same job: implicit TLS 1.3 on one port, IMAP
 * proxy to the Dovecot, the groups pinned with {@code ssl_ecdh_curve}, one worker per core. nginx asks an
 * {@code auth_http} server where each user goes: a small HTTP responder in this JVM that always answers with the
 * Dovecot (the cost of that lookup is part of nginx's login path, as Postern's route lookup is part of its own).
 */
final class NginxUnderTest implements ProxyUnderTest {
    private final ChrootedServer server;
    private final HttpServer auth;
    private final int port;
    private final String version;

    private NginxUnderTest(ChrootedServer server, HttpServer auth, int port, String version) {
        this.server = server;
        this.auth = auth;
        this.port = port;
        this.version = version;
    }

    static NginxUnderTest start(Setup setup) throws IOException {
        Path root = ChrootedServer.root("nginx");
        HttpServer auth = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 64);
        auth.createContext("/auth", exchange -> {
            exchange.getResponseHeaders().add("Auth-Status", "OK");
            exchange.getResponseHeaders().add("Auth-Server", "127.0.0.1");
            exchange.getResponseHeaders().add("Auth-Port", Integer.toString(setup.backendPort()));
            exchange.sendResponseHeaders(200, -1);
            exchange.close();
        });
        auth.setExecutor(java.util.concurrent.Executors.newFixedThreadPool(2, r -> {
            Thread t = new Thread(r, "nginx-auth-http");
            t.setDaemon(true);
            return t;
        }));
        auth.start();
        Path dir = ChrootedServer.instanceDirectory("postern-nginx-");
        Files.copy(setup.certificate(), dir.resolve("cert.pem"));
        Files.copy(setup.key(), dir.resolve("key.pem"));
        int port = Ports.closedPort();
        String in = ChrootedServer.INSIDE;
        Files.writeString(dir.resolve("nginx.conf"), """
                daemon off;
                worker_processes auto;
                worker_rlimit_nofile 20000;
                pid %1$s/nginx.pid;
                error_log %1$s/error.log warn;
                load_module /usr/lib/nginx/modules/ngx_mail_module.so;
                events { worker_connections 10000; }
                mail {
                  server_name localhost;
                  auth_http 127.0.0.1:%2$d/auth;
                  ssl_certificate %1$s/cert.pem;
                  ssl_certificate_key %1$s/key.pem;
                  ssl_protocols TLSv1.3;
                  ssl_ecdh_curve %3$s;
                  ssl_session_cache shared:MAIL:10m;
                  imap_auth plain login;
                  server { listen 127.0.0.1:%4$d ssl; protocol imap; }
                }
                """.formatted(in, auth.getAddress().getPort(), setup.groups(), port), StandardCharsets.UTF_8);
        try {
            ChrootedServer server = ChrootedServer.start(root, dir, Map.of(), "exec nginx -p " + in + " -c " + in
                    + "/nginx.conf", port);
            return new NginxUnderTest(server, auth, port, ChrootedServer.packageVersion(root, "nginx"));
        } catch (RuntimeException e) {
            auth.stop(0);
            throw e;
        }
    }

    @Override
    public String name() {
        return "nginx " + version.replaceFirst("-.*", "") + " mail";
    }

    @Override
    public int port() {
        return port;
    }

    @Override
    public long pid() {
        return server.serverPid();
    }

    @Override
    public void close() {
        server.close();
        auth.stop(0);
    }
}
