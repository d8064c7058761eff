package dev.postern.frontend;

import dev.postern.imap.ImapResponse;
import io.netty.channel.ChannelHandlerContext;
import java.util.function.Consumer;

/**
 * What the client hears before login, and the bound on bad commands: every BAD, and every NO that refuses a
 * command outright, counts toward {@code limits.maxBadCommands}; the last one ends the session with a BYE.
 */
final class PreAuthReplies {
    private final ChannelHandlerContext ctx;
    private final int maxBadCommands;
    private final Consumer<String> limitHit;
    private final Consumer<String> closeWithBye;
    private int badCommands;

    /**
     * @param limitHit     counts a crossed bound by its fixed name
     * @param closeWithBye ends the session: {@code * BYE <text>}, then close
     */
    PreAuthReplies(ChannelHandlerContext ctx, int maxBadCommands, Consumer<String> limitHit,
                   Consumer<String> closeWithBye) {
        this.ctx = ctx;
        this.maxBadCommands = maxBadCommands;
        this.limitHit = limitHit;
        this.closeWithBye = closeWithBye;
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
            limitHit.accept("max_bad_commands");
            closeWithBye.accept("Too many invalid commands, disconnecting");
        }
    }
}
