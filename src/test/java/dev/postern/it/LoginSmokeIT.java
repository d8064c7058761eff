package dev.postern.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.postern.testing.DovecotServer;
import dev.postern.testing.PosternHarness;
import dev.postern.testing.ProxiedDovecot;
import dev.postern.testing.RawImapClient;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class LoginSmokeIT {
    static DovecotServer dovecot;
    static PosternHarness postern;
    private static ProxiedDovecot fixture;

    @BeforeAll
    static void start() {
        fixture = ProxiedDovecot.start(DovecotServer.builder().user("alice", "smoke-pass-1").capabilitySuffix("SMOKE"));
        dovecot = fixture.dovecot();
        postern = fixture.postern();
    }

    @AfterAll
    static void stop() {
        if (fixture != null) {
            fixture.close();
        }
    }

    @Test
    void loginOverImplicitTlsReachesDovecot() throws Exception {
        try (RawImapClient c = RawImapClient.tls("127.0.0.1", postern.implicitTlsPort())) {
            String greeting = c.readLine();
            assertTrue(greeting.startsWith("* OK [CAPABILITY IMAP4rev1"), greeting);
            List<String> login = c.command("a", "LOGIN alice smoke-pass-1");
            String ok = RawImapClient.tagged(login);
            assertTrue(ok.startsWith("a OK [CAPABILITY "), ok);
            assertTrue(ok.contains("XPOSTERNTESTSMOKE"), ok);
            List<String> select = c.command("b", "SELECT INBOX");
            assertTrue(RawImapClient.tagged(select).startsWith("b OK"), select.toString());
            assertEquals("c OK", RawImapClient.tagged(c.command("c", "LOGOUT")).substring(0, 4));
        }
    }
}
