package dev.postern.it;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.postern.testing.DovecotServer;
import dev.postern.testing.PosternHarness;
import dev.postern.testing.ProxiedDovecot;
import dev.postern.testing.RawImapClient;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A scripted client ({@code printf ... | nc -N}) writes its LOGIN and the commands after it in one go and
 * half-closes: the commands it pipelined behind the LOGIN must still be run by the backend and answered.
 */
class HalfCloseDuringLoginIT {
    static DovecotServer dovecot;
    static PosternHarness postern;
    private static ProxiedDovecot fixture;

    @BeforeAll
    static void start() {
        fixture = ProxiedDovecot.start(DovecotServer.builder().user("alice", "half-close-pass-1"));
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
    void commandsPipelinedBehindALoginAreAnsweredAfterTheClientHalfCloses() throws Exception {
        try (RawImapClient c = RawImapClient.plain("127.0.0.1", postern.plainPort())) {
            String greeting = c.readLine();
            assertTrue(greeting.startsWith("* OK"), greeting);
            c.send("a LOGIN alice half-close-pass-1\r\nb SELECT INBOX\r\nc LOGOUT\r\n");
            c.socket().shutdownOutput();
            String login = RawImapClient.tagged(c.readUntilTagged("a"));
            assertTrue(login.startsWith("a OK"), login);
            List<String> select = c.readUntilTagged("b");
            assertTrue(RawImapClient.tagged(select).startsWith("b OK"), select.toString());
            List<String> logout = c.readUntilTagged("c");
            assertTrue(RawImapClient.tagged(logout).startsWith("c OK"), logout.toString());
        }
    }
}
