package dev.postern.testing;

import static java.nio.charset.StandardCharsets.ISO_8859_1;

import io.netty.buffer.ByteBuf;
import io.netty.channel.embedded.EmbeddedChannel;

/** What handlers wrote to an {@link EmbeddedChannel}: read, released, and returned as text. */
public final class Outbound {
    private Outbound() {
    }

    /** Every buffer written so far, concatenated (one byte per character). */
    public static String drain(EmbeddedChannel ch) {
        StringBuilder sb = new StringBuilder();
        for (ByteBuf b; (b = ch.readOutbound()) != null; ) {
            sb.append(b.toString(ISO_8859_1));
            b.release();
        }
        return sb.toString();
    }
}
