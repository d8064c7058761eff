package dev.postern.frontend;

import dev.postern.imap.ImapResponse;
import io.netty.channel.ChannelHandlerContext;
import java.util.function.BiConsumer;

/**
 * What the client hears before login, and the bound on bad commands: every BAD, and every NO that refuses a
 * command outright, counts toward {@code limits.maxBadCommands}; the last one ends the session with a BYE.
 */
final class PreAuthReplies {
    private final ChannelHandlerContext ctx;
    private final int maxBadCommands;
    private final BiConsumer<String, String> closeAtLimit;
    private int badCommands;

    /**
     * @param closeAtLimit counts a crossed bound by its fixed name, then ends the session with {@code * BYE <text>}
     */
    PreAuthReplies(ChannelHandlerContext ctx, int maxBadCommands, BiConsumer<String, String> closeAtLimit) {
        this.ctx = ctx;
        this.maxBadCommands = maxBadCommands;
        this.closeAtLimit = closeAtLimit;
    }

    /** A tagged reply, flushed. */
    void tagged(String tag, String status, String text) {
        ctx.writeAndFlush(ImapResponse.tagged(tag, status, text));
    }

    /** A tagged reply, not yet flushed: a BYE or a flush follows. */
    void taggedNoFlush(String tag, String status, String text) {
        ctx.write(ImapResponse.tagged(tag, status, text));
    }

    /** Untagged data before a command's tagged reply. */
    void untagged(String text) {
        ctx.write(ImapResponse.untagged(text));
    }

    /** A {@code + } continuation, flushed. */
    void continuation(String text) {
        ctx.writeAndFlush(ImapResponse.continuation(text));
    }

    /** {@code tag BAD text}, counted. */
    void bad(String tag, String text) {
        tagged(tag, "BAD", text);
        countBad();
    }

    /** {@code tag NO text} for a command refused outright (not a failed login), counted like a BAD. */
    void refused(String tag, String text) {
        tagged(tag, "NO", text);
        countBad();
    }

    private void countBad() {
        if (++badCommands >= maxBadCommands) {
            closeAtLimit.accept("max_bad_commands", "Too many invalid commands, disconnecting");
        }
    }
}
