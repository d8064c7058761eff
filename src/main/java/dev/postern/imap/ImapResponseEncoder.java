package dev.postern.imap;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.MessageToByteEncoder;
import java.nio.charset.StandardCharsets;

/** Writes {@link ImapResponse} lines as UTF-8 with CRLF; raw {@link ByteBuf}s pass through untouched. */
@Sharable
public final class ImapResponseEncoder extends MessageToByteEncoder<ImapResponse> {
    public static final ImapResponseEncoder INSTANCE = new ImapResponseEncoder();

    private ImapResponseEncoder() {
        super(ImapResponse.class);
    }

    @Override
    protected void encode(ChannelHandlerContext ctx, ImapResponse msg, ByteBuf out) {
        out.writeCharSequence(msg.line(), StandardCharsets.UTF_8);
        out.writeByte('\r').writeByte('\n');
    }
}
