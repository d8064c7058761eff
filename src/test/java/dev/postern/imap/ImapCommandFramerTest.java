package dev.postern.imap;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.postern.config.LimitsConfig;
import dev.postern.frontend.FrontendSettings;
import dev.postern.imap.FramerEvent.Kind;
import dev.postern.imap.FramerEvent.LiteralAnnounced;
import dev.postern.imap.FramerEvent.Violation;
import dev.postern.testing.SplitFeeder;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The command framer, table-driven: every input is fed whole, split in two at every byte, and one byte at a time,
 * and must give the same events each way. Frames are compared through their line and literal octets.
 *
 * <p>A small steering handler behind the framer plays the pre-auth handler's part: on the made-up commands
 * {@code XPAUSE}, {@code XSASL} and {@code XDISCARD} it calls {@code pause()}, {@code expectClientResponse()} and
 * {@code discardBuffered()} as soon as the frame arrives, as the real handler does. After the input, every case
 * calls {@code resume()}; what is framed after that follows the {@link #RESUMED} marker.
 */
class ImapCommandFramerTest {

    /** Separates what the input framed from what {@code resume()} framed. */
    private static final String RESUMED = "--- resume() ---";

    /** Line 64, literal 100, 2 literals, 256 pipelined bytes. */
    /** Below the bounds an operator may set, so every split of every input stays small. */
    private static final LimitsConfig SMALL = LimitsConfig.DEFAULTS.with(Map.of("max_line_bytes", 64,
            "max_literal_bytes", 100, "max_literals", 2, "max_pipelined_bytes", 256, "max_backend_line_bytes", 1024));
    private static final LimitsConfig DEFAULTS = LimitsConfig.DEFAULTS;

    record Case(String name, LimitsConfig limits, byte[] input, List<Object> expected) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Case> cases() {
        String x65 = "x".repeat(65);
        String x64 = "x".repeat(64);
        String k4096 = "k".repeat(4096);
        return Stream.of(
                c("simple command with CRLF", DEFAULTS, "a NOOP\r\n",
                        frame("a NOOP"), RESUMED),
                c("bare LF ends a line too", DEFAULTS, "a NOOP\n",
                        frame("a NOOP"), RESUMED),
                c("a CR before CR LF stays in the line", DEFAULTS, "a NOOP\r\r\n",
                        frame("a NOOP\r"), RESUMED),
                c("empty line is framed (the parser rejects it)", DEFAULTS, "\r\n",
                        frame(""), RESUMED),
                c("several commands in one buffer, mixed line ends", DEFAULTS,
                        "a NOOP\r\nb CAPABILITY\nc LOGOUT\r\n",
                        frame("a NOOP"), frame("b CAPABILITY"), frame("c LOGOUT"), RESUMED),
                c("a partial line waits for the rest", DEFAULTS, "a NOOP\r\nb NOO",
                        frame("a NOOP"), RESUMED),
                c("synchronizing literals are announced before the frame", DEFAULTS,
                        "a LOGIN {5}\r\nhello {3}\r\npwd\r\n",
                        new LiteralAnnounced("a", 5), new LiteralAnnounced("a", 3),
                        frame(List.of("a LOGIN {5}", " {3}", ""), List.of("hello", "pwd")), RESUMED),
                c("non-synchronizing literals are not announced", DEFAULTS,
                        "a LOGIN {5+}\r\nhello {3+}\r\npwd\r\nb NOOP\r\n",
                        frame(List.of("a LOGIN {5+}", " {3+}", ""), List.of("hello", "pwd")), frame("b NOOP"), RESUMED),
                c("a literal may hold CRLF and marker-like bytes", DEFAULTS,
                        "a LOGIN {6}\r\nx\r\ny\r\n {5+}\r\n{1}\r\n\r\n",
                        new LiteralAnnounced("a", 6),
                        frame(List.of("a LOGIN {6}", " {5+}", ""), List.of("x\r\ny\r\n", "{1}\r\n")), RESUMED),
                c("empty synchronizing literals", DEFAULTS,
                        "a LOGIN {0}\r\n {0}\r\n\r\nb NOOP\r\n",
                        new LiteralAnnounced("a", 0), new LiteralAnnounced("a", 0),
                        frame(List.of("a LOGIN {0}", " {0}", ""), List.of("", "")), frame("b NOOP"), RESUMED),
                c("empty non-synchronizing literals", DEFAULTS,
                        "a LOGIN {0+}\r\n {0+}\r\n\r\nb NOOP\r\n",
                        frame(List.of("a LOGIN {0+}", " {0+}", ""), List.of("", "")), frame("b NOOP"), RESUMED),
                c("LITERAL- allows a 4096-octet non-synchronizing literal", DEFAULTS,
                        "a LOGIN {4096+}\r\n" + k4096 + " p\r\n",
                        frame(List.of("a LOGIN {4096+}", " p"), List.of(k4096)), RESUMED),
                c("LITERAL- refuses a 4097-octet non-synchronizing literal, and drops all after", DEFAULTS,
                        "a LOGIN {4097+}\r\nkkkk p\r\nb NOOP\r\n",
                        new Violation(Kind.LITERAL_TOO_LARGE, "a",
                                "Non-synchronizing literal larger than 4096 octets (LITERAL-)"), RESUMED),
                c("a synchronizing literal may exceed 4096 octets up to max_literal_bytes", DEFAULTS,
                        "a LOGIN {4097}\r\n" + k4096 + "k p\r\n",
                        new LiteralAnnounced("a", 4097), frame(List.of("a LOGIN {4097}", " p"), List.of(k4096 + "k")),
                        RESUMED),
                c("a literal of exactly max_literal_bytes is framed", SMALL,
                        "a X {100}\r\n" + "l".repeat(100) + "\r\n",
                        new LiteralAnnounced("a", 100), frame(List.of("a X {100}", ""), List.of("l".repeat(100))),
                        RESUMED),
                c("a literal over max_literal_bytes is refused before any octet of it", SMALL,
                        "a X {101}\r\nl\r\nb NOOP\r\n",
                        new Violation(Kind.LITERAL_TOO_LARGE, "a", "Literal too large (limit 100 octets)"), RESUMED),
                c("max_literals literals in one command are framed", SMALL,
                        "a X {1+}\r\nx {1+}\r\ny\r\n",
                        frame(List.of("a X {1+}", " {1+}", ""), List.of("x", "y")), RESUMED),
                c("one literal more than max_literals is refused", SMALL,
                        "a X {1+}\r\nx {1+}\r\ny {1+}\r\nz\r\nb NOOP\r\n",
                        new Violation(Kind.TOO_MANY_LITERALS, "a", "Too many literals (limit 2)"), RESUMED),
                c("a line of exactly max_line_bytes is framed", SMALL, x64 + "\r\n",
                        frame(x64), RESUMED),
                c("a line of exactly max_line_bytes with a bare LF is framed", SMALL, x64 + "\n",
                        frame(x64), RESUMED),
                c("a line one over max_line_bytes is refused", SMALL, x65 + "\r\nb NOOP\r\n",
                        new Violation(Kind.LINE_TOO_LONG, "*", "Line too long (limit 64 octets)"), RESUMED),
                c("a line one over max_line_bytes with a bare LF is refused", SMALL, x65 + "\nb NOOP\r\n",
                        new Violation(Kind.LINE_TOO_LONG, "*", "Line too long (limit 64 octets)"), RESUMED),
                c("a long line is refused without waiting for its LF", SMALL, "y".repeat(200),
                        new Violation(Kind.LINE_TOO_LONG, "*", "Line too long (limit 64 octets)"), RESUMED),
                c("a long line after a complete command does not take that command's tag", SMALL,
                        "a NOOP\r\n" + "y".repeat(200),
                        frame("a NOOP"), new Violation(Kind.LINE_TOO_LONG, "*", "Line too long (limit 64 octets)"),
                        RESUMED),
                c("a long line after a literal carries the command's tag", SMALL,
                        "a X {1+}\r\nx" + "y".repeat(80) + "\r\n",
                        new Violation(Kind.LINE_TOO_LONG, "a", "Line too long (limit 64 octets)"), RESUMED),
                c("a literal size that does not fit is refused", DEFAULTS,
                        "a LOGIN {99999999999}\r\nb NOOP\r\n",
                        new Violation(Kind.BAD_LITERAL, "a", "Invalid literal size"), RESUMED),
                c("a literal size just past Integer.MAX_VALUE is refused", DEFAULTS,
                        "a LOGIN {2147483648+}\r\n",
                        new Violation(Kind.BAD_LITERAL, "a", "Invalid literal size"), RESUMED),
                c("a violation on a line with an unusable tag is untagged", DEFAULTS,
                        "a+b LOGIN {99999999999}\r\n",
                        new Violation(Kind.BAD_LITERAL, "*", "Invalid literal size"), RESUMED),
                c("braces that are not a literal marker end an ordinary line", DEFAULTS,
                        "a X {5 }\r\nb X {a}\r\n",
                        frame("a X {5 }"), frame("b X {a}"), RESUMED),
                c("while paused, bytes stay buffered; resume() frames them in order", DEFAULTS,
                        "a XPAUSE\r\nb NOOP\r\nc LOGIN {2+}\r\nxy z\r\nd NOO",
                        frame("a XPAUSE"), RESUMED, frame("b NOOP"),
                        frame(List.of("c LOGIN {2+}", " z"), List.of("xy"))),
                c("while paused, a synchronizing literal is announced only after resume()", DEFAULTS,
                        "a XPAUSE\r\nb LOGIN {2}\r\n",
                        frame("a XPAUSE"), RESUMED, new LiteralAnnounced("b", 2)),
                c("exactly max_pipelined_bytes may wait behind a pause", SMALL,
                        "a XPAUSE\r\n" + ("b NOOP" + "z".repeat(56) + "\r\n").repeat(4),
                        frame("a XPAUSE"), RESUMED, frame("b NOOP" + "z".repeat(56)),
                        frame("b NOOP" + "z".repeat(56)), frame("b NOOP" + "z".repeat(56)),
                        frame("b NOOP" + "z".repeat(56))),
                c("one byte over max_pipelined_bytes behind a pause is refused", SMALL,
                        "a XPAUSE\r\n" + ("b NOOP" + "z".repeat(56) + "\r\n").repeat(4) + "c",
                        frame("a XPAUSE"),
                        new Violation(Kind.PIPELINE_TOO_LARGE, "*", "Too much data sent before login completed"),
                        RESUMED),
                c("expectClientResponse() frames the next line as a client response", DEFAULTS,
                        "a XSASL\r\nAHVzZXIAcGFzcw==\r\nb NOOP\r\n",
                        frame("a XSASL"), response("AHVzZXIAcGFzcw=="), frame("b NOOP"), RESUMED),
                c("a client response is not scanned for literal markers", DEFAULTS,
                        "a XSASL\r\n{5}\r\nb NOOP\r\n",
                        frame("a XSASL"), response("{5}"), frame("b NOOP"), RESUMED),
                c("a cancelling * and an empty response are client responses", DEFAULTS,
                        "a XSASL\r\n*\r\nb XSASL\r\n\r\n",
                        frame("a XSASL"), response("*"), frame("b XSASL"), response(""), RESUMED),
                c("a client response is bound by max_line_bytes", SMALL,
                        "a XSASL\r\n" + "Q".repeat(65) + "\r\n",
                        frame("a XSASL"), new Violation(Kind.LINE_TOO_LONG, "*", "Line too long (limit 64 octets)"),
                        RESUMED),
                c("a client response waiting behind a pause is framed as one after resume()", DEFAULTS,
                        "a XPAUSE\r\nb XSASL\r\nAHVzZXIAcGFzcw==\r\n",
                        frame("a XPAUSE"), RESUMED, frame("b XSASL"), response("AHVzZXIAcGFzcw==")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void framesTheSameWholeSplitAtEveryByteAndOneByteAtATime(Case c) {
        for (SplitFeeder.Way way : SplitFeeder.everyWay(c.input())) {
            assertEquals(c.expected(), run(c.limits(), way.reads()), way.name());
        }
    }

    @Test
    void everythingAfterAViolationIsDroppedEvenInLaterReads() {
        ImapCommandFramer framer = new ImapCommandFramer(FrontendSettings.framerLimits(SMALL));
        EmbeddedChannel ch = new EmbeddedChannel(framer);
        try {
            write(ch, "a X {101}\r\n");
            assertEquals(List.of(new Violation(Kind.LITERAL_TOO_LARGE, "a", "Literal too large (limit 100 octets)")),
                    drain(ch));
            write(ch, "b NOOP\r\n");
            write(ch, "c LOGIN {1}\r\n");
            framer.resume();
            framer.expectClientResponse();
            write(ch, "d NOOP\r\n");
            assertEquals(List.of(), drain(ch));
            assertEquals(0, framer.bufferedBytes());
        } finally {
            ch.finishAndReleaseAll();
        }
    }

    @Test
    void discardBufferedDropsWhatArrivedWithTheCommandAndFramesLaterReads() {
        ImapCommandFramer framer = new ImapCommandFramer(FrontendSettings.framerLimits(DEFAULTS));
        EmbeddedChannel ch = new EmbeddedChannel(framer, new Steering(framer));
        try {
            write(ch, "a XDISCARD\r\nb LOGIN x y\r\n");
            assertEquals(List.of(frame("a XDISCARD"), "discarded 13"), drain(ch));
            assertEquals(0, framer.bufferedBytes());
            write(ch, "c NOOP\r\n");
            assertEquals(List.of(frame("c NOOP")), drain(ch));
        } finally {
            ch.finishAndReleaseAll();
        }
    }

    @Test
    void discardBufferedDropsAPartialLineToo() {
        ImapCommandFramer framer = new ImapCommandFramer(FrontendSettings.framerLimits(DEFAULTS));
        EmbeddedChannel ch = new EmbeddedChannel(framer, new Steering(framer));
        try {
            write(ch, "a XDISCARD\r\nb LOG");
            write(ch, "IN x y\r\n");
            // "b LOG" was dropped; what came in the next read starts a fresh line.
            assertEquals(List.of(frame("a XDISCARD"), "discarded 5", frame("IN x y")), drain(ch));
        } finally {
            ch.finishAndReleaseAll();
        }
    }

    @Test
    void bufferedBytesCountsWhatWaitsBehindAPause() {
        ImapCommandFramer framer = new ImapCommandFramer(FrontendSettings.framerLimits(DEFAULTS));
        EmbeddedChannel ch = new EmbeddedChannel(framer, new Steering(framer));
        try {
            write(ch, "a XPAUSE\r\nb NOOP\r\n");
            assertEquals(8, framer.bufferedBytes());
            write(ch, "c");
            assertEquals(9, framer.bufferedBytes());
            assertEquals(List.of(frame("a XPAUSE")), drain(ch));
            framer.resume();
            assertEquals(List.of(frame("b NOOP")), drain(ch));
            assertEquals(1, framer.bufferedBytes());
        } finally {
            ch.finishAndReleaseAll();
        }
    }

    @Test
    void resumeWithoutPauseDoesNothing() {
        ImapCommandFramer framer = new ImapCommandFramer(FrontendSettings.framerLimits(DEFAULTS));
        EmbeddedChannel ch = new EmbeddedChannel(framer);
        try {
            write(ch, "a NOOP\r\nb NO");
            framer.resume();
            assertEquals(List.of(frame("a NOOP")), drain(ch));
            write(ch, "OP\r\n");
            assertEquals(List.of(frame("b NOOP")), drain(ch));
        } finally {
            ch.finishAndReleaseAll();
        }
    }

    @Test
    void tagOfAcceptsOnlyAValidTag() {
        assertEquals("a1", ImapCommandFramer.tagOf(bytes("a1 NOOP")));
        assertEquals("a1", ImapCommandFramer.tagOf(bytes("a1")));
        assertEquals("*", ImapCommandFramer.tagOf(bytes("")));
        assertEquals("*", ImapCommandFramer.tagOf(bytes(" NOOP")));
        assertEquals("*", ImapCommandFramer.tagOf(bytes("+ NOOP")));
        assertEquals("*", ImapCommandFramer.tagOf(bytes("* NOOP")));
        assertEquals("*", ImapCommandFramer.tagOf(bytes("a{1 NOOP")));
        assertEquals("*", ImapCommandFramer.tagOf(bytes("t\u00e9 NOOP")));
        assertEquals("*", ImapCommandFramer.tagOf(bytes("t".repeat(65) + " NOOP")));
        assertEquals("t".repeat(64), ImapCommandFramer.tagOf(bytes("t".repeat(64) + " NOOP")));
    }

    // ---- helpers ----

    private static Case c(String name, LimitsConfig limits, String input, Object... expected) {
        return new Case(name, limits, bytes(input), List.of(expected));
    }

    private static byte[] bytes(String s) {
        return s.getBytes(ISO_8859_1);
    }

    /** A frame as the tests compare it: its lines and literals, octet for octet (ISO-8859-1 maps each octet to one char). */
    private static List<Object> frame(List<String> lines, List<String> literals) {
        return List.of("frame", lines, literals);
    }

    private static List<Object> frame(String line) {
        return frame(List.of(line), List.of());
    }

    private static List<Object> response(String line) {
        return List.of("client response", line);
    }

    private static Object describe(Object msg) {
        if (msg instanceof CommandFrame f) {
            return frame(f.lines().stream().map(b -> new String(b, ISO_8859_1)).toList(),
                    f.literals().stream().map(b -> new String(b, ISO_8859_1)).toList());
        }
        if (msg instanceof FramerEvent.ClientResponse r) {
            return response(new String(r.line(), ISO_8859_1));
        }
        return msg;
    }

    private static List<Object> run(LimitsConfig limits, List<byte[]> chunks) {
        ImapCommandFramer framer = new ImapCommandFramer(FrontendSettings.framerLimits(limits));
        EmbeddedChannel ch = new EmbeddedChannel(framer, new Steering(framer));
        try {
            for (byte[] chunk : chunks) {
                ch.writeInbound(ch.alloc().buffer(chunk.length).writeBytes(chunk));
            }
            List<Object> out = drain(ch);
            out.add(RESUMED);
            framer.resume();
            out.addAll(drain(ch));
            return out;
        } finally {
            ch.finishAndReleaseAll();
        }
    }

    private static void write(EmbeddedChannel ch, String s) {
        byte[] b = bytes(s);
        ch.writeInbound(ch.alloc().buffer(b.length).writeBytes(b));
    }

    private static List<Object> drain(EmbeddedChannel ch) {
        List<Object> out = new ArrayList<>();
        for (Object msg; (msg = ch.readInbound()) != null; ) {
            out.add(describe(msg));
        }
        return out;
    }

    /** Acts on a frame the moment it arrives, inside the framer's decode loop, as the pre-auth handler does. */
    private static final class Steering extends ChannelInboundHandlerAdapter {
        private final ImapCommandFramer framer;

        Steering(ImapCommandFramer framer) {
            this.framer = framer;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ctx.fireChannelRead(msg);
            if (msg instanceof CommandFrame f) {
                String[] words = new String(f.lines().get(0), ISO_8859_1).split(" ");
                String command = words.length > 1 ? words[1] : "";
                switch (command) {
                    case "XPAUSE" -> framer.pause();
                    case "XSASL" -> framer.expectClientResponse();
                    case "XDISCARD" -> ctx.fireChannelRead("discarded " + framer.discardBuffered());
                    default -> { }
                }
            }
        }
    }
}
