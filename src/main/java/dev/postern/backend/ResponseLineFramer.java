package dev.postern.backend;

import io.netty.handler.codec.LineBasedFrameDecoder;

/**
 * The backend's response lines during login (a line cap, CRLF stripped), and how many bytes wait in the framer
 * after the line just delivered: after a backend's STARTTLS OK there must be none (RFC 2595: any such byte was
 * sent in plaintext after the upgrade and could be an injected response).
 */
final class ResponseLineFramer extends LineBasedFrameDecoder {
    ResponseLineFramer(int maxLineBytes) {
        super(maxLineBytes, true, true);
    }

    /** Bytes received but not yet framed into a line. */
    int buffered() {
        return actualReadableBytes();
    }
}
