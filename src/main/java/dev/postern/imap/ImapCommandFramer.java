package dev.postern.imap;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import java.util.ArrayList;
import java.util.List;

/**
 * Frames client bytes into whole commands: a line, then for each literal marker at a line's end
 * ({@code {n}} synchronizing, {@code {n+}} non-synchronizing) the literal's octets and the line that follows.
 *
 * <p>Framing only: no parsing beyond the tag (for error replies) and the marker. It never writes; the handler
 * answers {@link FramerEvent.LiteralAnnounced} with {@code + }. Every bound is checked before bytes are held:
 * a line past {@code maxLineBytes}, a literal past {@code maxLiteralBytes} (or past 4096 when non-synchronizing,
 * RFC 7888 LITERAL-), or more than {@code maxLiterals} literals yields one {@link FramerEvent.Violation}, after
 * which every further byte is dropped (the handler closes the connection).
 *
 * <p>The handler steers it: {@link #pause()} while a login runs (bytes stay buffered, in order, for the backend),
 * {@link #resume()} after a failed login, {@link #expectClientResponse()} before an AUTHENTICATE {@code + },
 * {@link #discardBuffered()} on STARTTLS.
 */
public final class ImapCommandFramer extends ByteToMessageDecoder {

    private enum State { LINE, LITERAL, CLIENT_RESPONSE, PAUSED, FAILED }

    private final int maxLineBytes;
    private final int maxLiteralBytes;
    private final int maxLiterals;
    private final int maxPipelinedBytes;

    private State state = State.LINE;
    private State stateBeforePause;
    private final List<byte[]> lines = new ArrayList<>(2);
    private final List<byte[]> literals = new ArrayList<>(2);
    private int literalSize;
    /** Octets of the current partial line already searched for LF; 0 when a line starts. */
    private int scannedWithoutLf;
    private String tag;
    private ChannelHandlerContext ctx;

    /** RFC 7888: LITERAL- caps non-synchronizing literals at 4096 octets, whatever the configuration says. */
    public static final int NON_SYNC_LITERAL_MAX = 4096;

    /**
     * The framer's bounds, mapped from the configuration by the front end (imap knows no config).
     *
     * @param maxLineBytes longest command line, literals not counted
     * @param maxLiteralBytes largest literal
     * @param maxLiterals most literals in one command
     * @param maxPipelinedBytes most bytes kept while paused
     */
    public record Limits(int maxLineBytes, int maxLiteralBytes, int maxLiterals, int maxPipelinedBytes) {
    }

    public ImapCommandFramer(Limits limits) {
        this.maxLineBytes = limits.maxLineBytes();
        this.maxLiteralBytes = limits.maxLiteralBytes();
        this.maxLiterals = limits.maxLiterals();
        this.maxPipelinedBytes = limits.maxPipelinedBytes();
    }

    /** Stops framing; what arrives is kept as it came, up to {@code maxPipelinedBytes}. */
    public void pause() {
        if (state != State.PAUSED && state != State.FAILED) {
            stateBeforePause = state;
            state = State.PAUSED;
        }
    }

    /** Frames again, starting with whatever was kept while paused. Call on the channel's event loop. */
    public void resume() {
        if (state != State.PAUSED) {
            return;
        }
        state = stateBeforePause;
        if (ctx != null && !ctx.isRemoved()) {
            try {
                channelRead(ctx, Unpooled.EMPTY_BUFFER);
            } catch (Exception e) {
                ctx.fireExceptionCaught(e);
            }
        }
    }

    /**
     * Refuses the synchronizing literal just announced: the client sends its octets only after {@code + }, so
     * the partial command is dropped and the next line starts a new command.
     */
    public void rejectAnnouncedLiteral() {
        if (state == State.LITERAL) {
            lines.forEach(b -> java.util.Arrays.fill(b, (byte) 0));
            literals.forEach(b -> java.util.Arrays.fill(b, (byte) 0));
            lines.clear();
            literals.clear();
            tag = null;
            state = State.LINE;
        }
    }

    /** The next line is a SASL client response, not a command. */
    public void expectClientResponse() {
        if (state == State.LINE) {
            state = State.CLIENT_RESPONSE;
        } else if (state == State.PAUSED) {
            stateBeforePause = State.CLIENT_RESPONSE;
        }
    }

    /** Drops every byte buffered after the last framed command and returns how many there were. */
    public int discardBuffered() {
        scannedWithoutLf = 0;
        ByteBuf buffered = internalBuffer();
        int n = buffered.readableBytes();
        buffered.skipBytes(n);
        return n;
    }

    /** Bytes received but not yet framed (what a client pipelined behind its login). */
    public int bufferedBytes() {
        return internalBuffer().readableBytes();
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) throws Exception {
        this.ctx = ctx;
        super.handlerAdded(ctx);
    }

    /**
     * A half-close (FIN) while paused must not end framing: the decoder's default decodes one last time and then
     * releases what it holds, which here is what the client pipelined behind its login, still owed to the backend.
     */
    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt instanceof io.netty.channel.socket.ChannelInputShutdownEvent && state == State.PAUSED) {
            ctx.fireUserEventTriggered(evt);
            return;
        }
        super.userEventTriggered(ctx, evt);
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        switch (state) {
            case PAUSED -> {
                if (in.readableBytes() > maxPipelinedBytes) {
                    fail(out, FramerEvent.Kind.PIPELINE_TOO_LARGE, "Too much data sent before login completed");
                    in.skipBytes(in.readableBytes());
                }
            }
            case FAILED -> in.skipBytes(in.readableBytes());
            case LITERAL -> {
                // Frame the line after the literal in the same call: a {0} literal consumes no byte, and a call
                // that consumes nothing and emits nothing ends the decode loop with the rest left unframed.
                if (readLiteral(in)) {
                    byte[] line = readLine(in, out);
                    if (line != null) {
                        onLine(line, out);
                    }
                }
            }
            case CLIENT_RESPONSE -> {
                byte[] line = readLine(in, out);
                if (line != null) {
                    state = State.LINE;
                    out.add(new FramerEvent.ClientResponse(line));
                }
            }
            case LINE -> {
                byte[] line = readLine(in, out);
                if (line != null) {
                    onLine(line, out);
                }
            }
        }
    }

    /** True once the whole literal has been read. */
    private boolean readLiteral(ByteBuf in) {
        if (in.readableBytes() < literalSize) {
            return false;
        }
        byte[] literal = new byte[literalSize];
        in.readBytes(literal);
        literals.add(literal);
        state = State.LINE;
        return true;
    }

    /** One line without its CRLF (a bare LF is accepted too), or null when it has not fully arrived. */
    private byte[] readLine(ByteBuf in, List<Object> out) {
        int limit = Math.min(in.readableBytes(), maxLineBytes + 2);
        // Resume the LF search where the last read left it: a line dripped byte by byte costs O(n), not O(n²).
        int from = in.readerIndex() + Math.min(scannedWithoutLf, limit);
        int lf = in.indexOf(from, in.readerIndex() + limit, (byte) '\n');
        scannedWithoutLf = lf < 0 ? limit : 0;
        if (lf < 0) {
            if (in.readableBytes() > maxLineBytes + 1) {
                fail(out, FramerEvent.Kind.LINE_TOO_LONG, "Line too long (limit " + maxLineBytes + " octets)");
                in.skipBytes(in.readableBytes());
            }
            return null;
        }
        int length = lf - in.readerIndex();
        if (length > 0 && in.getByte(lf - 1) == '\r') {
            length--;
        }
        if (length > maxLineBytes) {
            fail(out, FramerEvent.Kind.LINE_TOO_LONG, "Line too long (limit " + maxLineBytes + " octets)");
            in.skipBytes(in.readableBytes());
            return null;
        }
        byte[] line = new byte[length];
        in.getBytes(in.readerIndex(), line);
        in.readerIndex(lf + 1);
        return line;
    }

    private void onLine(byte[] line, List<Object> out) {
        if (lines.isEmpty()) {
            tag = tagOf(line);
        }
        lines.add(line);
        LiteralMarker marker = LiteralMarker.at(line);
        if (marker == null) {
            CommandFrame frame = new CommandFrame(lines, literals);
            lines.clear();
            literals.clear();
            tag = null; // a later violation must not answer with this finished command's tag
            out.add(frame);
            return;
        }
        if (marker.size() < 0) {
            fail(out, FramerEvent.Kind.BAD_LITERAL, "Invalid literal size");
        } else if (literals.size() >= maxLiterals) {
            fail(out, FramerEvent.Kind.TOO_MANY_LITERALS, "Too many literals (limit " + maxLiterals + ")");
        } else if (!marker.synchronizing() && marker.size() > NON_SYNC_LITERAL_MAX) {
            fail(out, FramerEvent.Kind.LITERAL_TOO_LARGE,
                    "Non-synchronizing literal larger than " + NON_SYNC_LITERAL_MAX + " octets (LITERAL-)");
        } else if (marker.size() > maxLiteralBytes) {
            fail(out, FramerEvent.Kind.LITERAL_TOO_LARGE, "Literal too large (limit " + maxLiteralBytes + " octets)");
        } else {
            literalSize = marker.size();
            state = State.LITERAL;
            if (marker.synchronizing()) {
                out.add(new FramerEvent.LiteralAnnounced(tag, literalSize));
            }
        }
    }

    private void fail(List<Object> out, FramerEvent.Kind kind, String text) {
        state = State.FAILED;
        lines.forEach(b -> java.util.Arrays.fill(b, (byte) 0));
        literals.forEach(b -> java.util.Arrays.fill(b, (byte) 0));
        lines.clear();
        literals.clear();
        out.add(new FramerEvent.Violation(kind, tag == null ? "*" : tag, text));
    }

    /** The tag if the line starts with a valid one, else "*" so an error reply is still well-formed. */
    static String tagOf(byte[] line) {
        int end = 0;
        while (end < line.length && line[end] != ' ') {
            end++;
        }
        if (end == 0 || end > 64) {
            return "*";
        }
        for (int i = 0; i < end; i++) {
            if (!ImapSyntax.isTagChar(line[i])) {
                return "*";
            }
        }
        return new String(line, 0, end, java.nio.charset.StandardCharsets.US_ASCII);
    }
}
