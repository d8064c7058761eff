package dev.postern.imap;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.channel.embedded.EmbeddedChannel;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The global budget for what connections that have not logged in make the framers hold: every framer reserves
 * what it keeps (partial lines, literals announced or arriving, parts of an unfinished command, bytes pipelined
 * behind a login) from one shared {@link MemoryBudget}, gives it back as commands complete, and gives all of it
 * back exactly once when it leaves the pipeline (close or hand-off). A command's literals together stay under the
 * literal limit.
 */
class PreAuthMemoryBudgetTest {
    private static final ImapCommandFramer.Limits LIMITS = new ImapCommandFramer.Limits(1024, 1000, 8, 4096);

    private static EmbeddedChannel framer(MemoryBudget budget) {
        return new EmbeddedChannel(new ImapCommandFramer(LIMITS, budget));
    }

    private static void send(EmbeddedChannel ch, String text) {
        ch.writeInbound(ch.alloc().buffer().writeBytes(text.getBytes(ISO_8859_1)));
    }

    private static List<Object> events(EmbeddedChannel ch) {
        List<Object> out = new ArrayList<>();
        for (Object o; (o = ch.readInbound()) != null; ) {
            out.add(o);
        }
        return out;
    }

    @Test
    void anAnnouncedLiteralIsReservedBeforeItIsInvitedAndReleasedWhenTheCommandCompletes() {
        MemoryBudget budget = new MemoryBudget(10_000);
        EmbeddedChannel a = framer(budget);
        send(a, "a LOGIN {900}\r\n");
        assertInstanceOf(FramerEvent.LiteralAnnounced.class, events(a).get(0));
        assertTrue(budget.used() >= 900 + "a LOGIN {900}".length(), "used " + budget.used());
        send(a, "x".repeat(900) + " pw\r\n");
        assertInstanceOf(CommandFrame.class, events(a).get(0));
        assertEquals(0, budget.used());
        a.finishAndReleaseAll();
    }

    @Test
    void twoConnectionsShareTheBudgetAndTheOneThatWouldExceedItIsRefused() {
        MemoryBudget budget = new MemoryBudget(1500);
        EmbeddedChannel a = framer(budget);
        EmbeddedChannel b = framer(budget);
        send(a, "a LOGIN {900}\r\n");
        assertInstanceOf(FramerEvent.LiteralAnnounced.class, events(a).get(0));
        send(b, "b LOGIN {900}\r\n");
        FramerEvent.Violation refused = assertInstanceOf(FramerEvent.Violation.class, events(b).get(0));
        assertEquals(FramerEvent.Kind.PREAUTH_MEMORY, refused.kind());
        assertEquals("b", refused.tag());
        assertTrue(refused.text().startsWith("[LIMIT] "), refused.text());
        // What b held is given back at once (it frames nothing more); a keeps its reservation.
        long aHolds = budget.used();
        assertTrue(aHolds >= 900 && aHolds < 1500, "used " + aHolds);
        b.finishAndReleaseAll();
        assertEquals(aHolds, budget.used());
        a.finishAndReleaseAll();
        assertEquals(0, budget.used(), "released on close, exactly once");
    }

    @Test
    void aPartialLineCountsAndIsReleasedOnClose() {
        MemoryBudget budget = new MemoryBudget(10_000);
        EmbeddedChannel a = framer(budget);
        send(a, "a LOGIN alice pass");
        assertEquals(events(a), List.of());
        assertEquals("a LOGIN alice pass".length(), budget.used());
        a.close();
        assertEquals(0, budget.used());
        a.finishAndReleaseAll();
        assertEquals(0, budget.used());
    }

    @Test
    void bytesPipelinedBehindAPausedLoginCountAndAreReleasedOnHandOff() {
        MemoryBudget budget = new MemoryBudget(10_000);
        EmbeddedChannel a = framer(budget);
        ImapCommandFramer f = a.pipeline().get(ImapCommandFramer.class);
        send(a, "a LOGIN alice pw\r\n");
        assertInstanceOf(CommandFrame.class, events(a).get(0));
        f.pause();
        send(a, "b SELECT INBOX\r\n");
        assertEquals("b SELECT INBOX\r\n".length(), budget.used());
        a.pipeline().remove(f);
        assertEquals(0, budget.used());
        events(a).forEach(io.netty.util.ReferenceCountUtil::release);
        a.finishAndReleaseAll();
        assertEquals(0, budget.used());
    }

    @Test
    void aCommandsLiteralsTogetherStayUnderTheLiteralLimit() {
        EmbeddedChannel a = framer(new MemoryBudget(1_000_000));
        send(a, "a LOGIN {600}\r\n");
        assertInstanceOf(FramerEvent.LiteralAnnounced.class, events(a).get(0));
        send(a, "u".repeat(600) + " {500}\r\n");
        FramerEvent.Violation v = assertInstanceOf(FramerEvent.Violation.class, events(a).get(0));
        assertEquals(FramerEvent.Kind.LITERAL_TOO_LARGE, v.kind());
        assertEquals("Literals too large (limit 1000 octets per command)", v.text());
        a.finishAndReleaseAll();
    }
}
