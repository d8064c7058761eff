package dev.postern.tls;

import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * What Postern reads from a TLS ClientHello before choosing a certificate: the SNI host name (RFC 6066) and the
 * ALPN protocol list (RFC 7301). Parsing is defensive: anything malformed yields "absent", and the TLS engine
 * then judges the ClientHello itself.
 *
 * @param serverName lower-case host name, or null
 * @param alpn the offered protocols, or null when the client sent no ALPN extension
 */
public record ClientHello(String serverName, List<String> alpn) {
    private static final int SNI = 0;
    private static final int ALPN = 16;

    /** Parses a ClientHello body (after the 4-byte handshake header); null input gives an empty result. */
    public static ClientHello parse(ByteBuf hello) {
        if (hello == null) {
            return new ClientHello(null, null);
        }
        String serverName = null;
        List<String> alpn = null;
        try {
            int offset = hello.readerIndex() + 34;
            int end = hello.writerIndex();
            offset += 1 + hello.getUnsignedByte(offset);
            offset += 2 + hello.getUnsignedShort(offset);
            offset += 1 + hello.getUnsignedByte(offset);
            if (offset + 2 > end) {
                return new ClientHello(null, null);
            }
            int extensionsEnd = Math.min(end, offset + 2 + hello.getUnsignedShort(offset));
            offset += 2;
            while (offset + 4 <= extensionsEnd) {
                int type = hello.getUnsignedShort(offset);
                int length = hello.getUnsignedShort(offset + 2);
                int data = offset + 4;
                if (data + length > extensionsEnd) {
                    break;
                }
                if (type == SNI) {
                    serverName = serverName(hello, data, data + length);
                } else if (type == ALPN) {
                    alpn = protocols(hello, data, data + length);
                }
                offset = data + length;
            }
        } catch (IndexOutOfBoundsException e) {
            // truncated: keep what was found
        }
        return new ClientHello(serverName, alpn);
    }

    private static String serverName(ByteBuf b, int from, int to) {
        int offset = from + 2;
        while (offset + 3 <= to) {
            int type = b.getUnsignedByte(offset);
            int length = b.getUnsignedShort(offset + 1);
            offset += 3;
            if (offset + length > to) {
                return null;
            }
            if (type == 0) {
                return b.toString(offset, length, StandardCharsets.US_ASCII).toLowerCase(Locale.ROOT);
            }
            offset += length;
        }
        return null;
    }

    private static List<String> protocols(ByteBuf b, int from, int to) {
        List<String> out = new ArrayList<>();
        int offset = from + 2;
        while (offset < to) {
            int length = b.getUnsignedByte(offset);
            offset++;
            if (offset + length > to) {
                break;
            }
            out.add(b.toString(offset, length, StandardCharsets.US_ASCII));
            offset += length;
        }
        return out;
    }
}
