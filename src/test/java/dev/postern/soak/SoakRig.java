package dev.postern.soak;

import dev.postern.testing.DovecotServer;
import dev.postern.testing.Ports;
import dev.postern.testing.PosternProcess;
import dev.postern.testing.Quietly;
import dev.postern.testing.TestSecrets;
import dev.postern.testing.ToxiproxyServer;
import eu.rekawek.toxiproxy.Proxy;
import java.io.IOException;
import java.util.List;

/**
 * The soak's parts, all real and all on loopback: a Dovecot sized for thousands of sessions, a toxiproxy-server
 * with the churn's two legs, and Postern as its own process (so its heap and descriptors are its own). Idle users
 * ({@code idleN}) route to pool {@code idle} straight to Dovecot; churn users ({@code churnN}) to pool {@code churn}
 * through the backend leg, and connect through the client leg.
 */
final class SoakRig implements AutoCloseable {
    static final String PASSWORD = TestSecrets.register("Soak-pass-7d1c");

    final DovecotServer dovecot;
    final ToxiproxyServer toxiproxy;
    final Proxy clientLeg;
    final Proxy backendLeg;
    final PosternProcess postern;
    final int tlsPort;

    private SoakRig(DovecotServer dovecot, ToxiproxyServer toxiproxy, Proxy clientLeg, Proxy backendLeg,
            PosternProcess postern, int tlsPort) {
        this.dovecot = dovecot;
        this.toxiproxy = toxiproxy;
        this.clientLeg = clientLeg;
        this.backendLeg = backendLeg;
        this.postern = postern;
        this.tlsPort = tlsPort;
    }

    static SoakRig start(SoakPlan plan) throws IOException {
        DovecotServer.Builder users = DovecotServer.builder().manySessions();
        for (int i = 0; i < plan.idleUsers(); i++) {
            users.user("idle" + i, PASSWORD);
        }
        for (int i = 0; i < plan.churnWorkers(); i++) {
            users.user("churn" + i, PASSWORD);
        }
        DovecotServer dovecot = null;
        ToxiproxyServer toxiproxy = null;
        PosternProcess postern = null;
        try {
            dovecot = users.start();
            toxiproxy = ToxiproxyServer.start();
            Proxy backendLeg = toxiproxy.proxy("backend", dovecot.host() + ":" + dovecot.port());
            int tlsPort = Ports.closedPort();
            int plainPort = Ports.closedPort();
            postern = PosternProcess.start(config(plan, tlsPort, plainPort, dovecot.port(),
                    ToxiproxyServer.port(backendLeg)), List.of("-Xmx1g", "-XX:+ExitOnOutOfMemoryError"));
            Proxy clientLeg = toxiproxy.proxy("client", "127.0.0.1:" + plainPort);
            return new SoakRig(dovecot, toxiproxy, clientLeg, backendLeg, postern, tlsPort);
        } catch (IOException | RuntimeException e) {
            Quietly.closeAll(postern, toxiproxy, dovecot);
            throw e;
        }
    }

    private static String config(SoakPlan plan, int tlsPort, int plainPort, int dovecotPort, int backendLegPort) {
        int connections = plan.idleSessions() + 4 * plan.churnWorkers() + 100;
        return """
                listeners:
                  - {name: imaps, bind: "127.0.0.1:%d", tls: implicit}
                  - {name: plain, bind: "127.0.0.1:%d", tls: none, require_tls: false}
                tls: {certificate: soak.crt, key: soak.key, self_signed_if_missing: true}
                pools:
                  idle: {backends: ["127.0.0.1:%d"]}
                  churn:
                    backends: ["127.0.0.1:%d"]
                    health: {interval: 1s, timeout: 2s, rise: 1, fall: 3}
                routes:
                  default_pool: idle
                  sources: [{type: rules, rules: [{match: "^churn[0-9]+$", to: churn}]}]
                limits: {max_connections: %d, max_connections_per_ip: %d, max_sessions_per_user: 1000, \
                failure_delay: 0s}
                timeouts: {backend_login: 10s}
                """.formatted(tlsPort, plainPort, dovecotPort, backendLegPort, connections, connections);
    }

    int clientLegPort() {
        return ToxiproxyServer.port(clientLeg);
    }

    @Override
    public void close() {
        Quietly.closeAll(postern, toxiproxy, dovecot);
    }
}
