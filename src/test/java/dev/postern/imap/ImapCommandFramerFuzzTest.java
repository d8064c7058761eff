package dev.postern.imap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.postern.config.LimitsConfig;
import dev.postern.frontend.FrontendSettings;
import dev.postern.imap.ImapCommandFramer.Limits;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;

/**
 * The command framer with the parser behind it, under arbitrary client bytes. Without {@code JAZZER_FUZZ} this
 * runs the seeds in {@code ImapCommandFramerFuzzTestInputs/} as regression cases; {@code mvn -Pfuzz test}
 * fuzzes it.
 *
 * <p>Invariants: parsing a frame fails only with {@link ImapSyntaxException}; frames respect every limit; the
 * framer never holds more than one line, one literal or the pipelining allowance; nothing is framed after a
 * violation; every buffer is released.
 */
class ImapCommandFramerFuzzTest {
    /** Tight limits, so short fuzz inputs reach the violation paths the defaults need 64 KiB for. */
    private static final Limits SMALL = new Limits(64, 100, 2, 256);
    private static final Limits DEFAULTS = FrontendSettings.framerLimits(LimitsConfig.DEFAULTS);

    /**
     * The input is written in chunks whose size (1 to 64 octets) its last octet picks, so the fuzzer also varies
     * where reads split lines, markers and literals.
     */
    @FuzzTest
    void framedCommandsParseOrFailWithASyntaxError(byte[] input) {
        int chunk = input.length == 0 ? 1 : 1 + (input[input.length - 1] & 0x3f);
        frame(DEFAULTS, input, chunk);
        frame(SMALL, input, chunk);
    }

    private static void frame(Limits limits, byte[] input, int chunk) {
        // An allocator of its own counts what it has handed out: zero at the end means nothing leaked.
        UnpooledByteBufAllocator alloc = new UnpooledByteBufAllocator(false, true);
        ImapCommandFramer framer = new ImapCommandFramer(limits);
        Steering steering = new Steering(framer, limits);
        EmbeddedChannel channel = new EmbeddedChannel(framer, steering);
        channel.config().setAllocator(alloc);
        long bound = Math.max(limits.maxLineBytes() + 1L, Math.max(limits.maxLiteralBytes(), limits.maxPipelinedBytes()));
        for (int offset = 0; offset < input.length && channel.isOpen(); offset += chunk) {
            int n = Math.min(chunk, input.length - offset);
            ByteBuf buf = alloc.heapBuffer(n);
            buf.writeBytes(input, offset, n);
            channel.writeInbound(buf);
            assertTrue(framer.bufferedBytes() <= bound, "framer holds " + framer.bufferedBytes() + " octets");
        }
        // The handler resumes after a failed login: what was kept meanwhile is framed now.
        framer.resume();
        channel.finishAndReleaseAll();
        assertEquals(0, alloc.metric().usedHeapMemory(), "buffers left unreleased");
    }

    /** Plays the pre-auth handler's part: parses each frame and steers the framer as the handler does. */
    private static final class Steering extends ChannelInboundHandlerAdapter {
        private final ImapCommandFramer framer;
        private final Limits limits;
        private boolean violated;

        Steering(ImapCommandFramer framer, Limits limits) {
            this.framer = framer;
            this.limits = limits;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            assertFalse(violated, "framed after a violation: " + msg);
            if (msg instanceof FramerEvent.Violation) {
                violated = true;
            } else if (msg instanceof FramerEvent.LiteralAnnounced announced) {
                assertTrue(announced.size() >= 0 && announced.size() <= limits.maxLiteralBytes());
            } else if (msg instanceof FramerEvent.ClientResponse response) {
                assertTrue(response.line().length <= limits.maxLineBytes());
            } else if (msg instanceof CommandFrame frame) {
                check(frame);
                steer(frame);
                frame.wipe();
            } else {
                throw new AssertionError("unexpected message " + msg.getClass().getName());
            }
        }

        private void check(CommandFrame frame) {
            assertTrue(frame.literals().size() <= limits.maxLiterals());
            frame.lines().forEach(l -> assertTrue(l.length <= limits.maxLineBytes()));
            frame.literals().forEach(l -> assertTrue(l.length <= limits.maxLiteralBytes()));
        }

        private void steer(CommandFrame frame) {
            ImapCommand command;
            try {
                command = CommandParser.parse(frame);
            } catch (ImapSyntaxException bad) {
                assertTrue(bad.tag() != null && !bad.tag().isEmpty());
                return;
            }
            switch (command.name()) {
                case "LOGIN" -> framer.pause();
                case "AUTHENTICATE" -> {
                    if (command.args().size() == 1) {
                        framer.expectClientResponse();
                    }
                }
                case "STARTTLS" -> framer.discardBuffered();
                default -> {
                }
            }
        }
    }
}
