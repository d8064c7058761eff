package dev.postern.tls;

import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * What Postern reads from a TLS ClientHello before choosing a certificate: the SNI host name (RFC 6066) and the
 * ALPN protocol list (RFC 7301). Parsing is defensive: anything malformed yields "absent", and the TLS engine
 * then judges the ClientHello itself.
 *
 * @param serverName lower-case host name, or null
 * @param alpn the offered protocols, or null when the client sent no ALPN extension
 * @param acceptsEcdsa whether the client can verify an ECDSA certificate: for TLS 1.3 an ECDSA signature scheme
 *     (RFC 8446 4.2.3), for TLS 1.2 also an ECDHE_ECDSA cipher suite (RFC 8422); true when unsure. Picks between
 *     an ECDSA and an RSA certificate: BoringSSL through Netty would always serve the first key type of the
 *     server's own cipher order, whatever the client supports.
 */
public record ClientHello(String serverName, List<String> alpn, boolean acceptsEcdsa) {
    private static final int SNI = 0;
    private static final int ALPN = 16;
    private static final int SIGNATURE_ALGORITHMS = 13;
    private static final int SUPPORTED_VERSIONS = 43;
    private static final int TLS13 = 0x0304;
    /** TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, _AES_256_GCM_SHA384, _CHACHA20_POLY1305_SHA256: the ones served. */
    private static final Set<Integer> ECDSA_SUITES = Set.of(0xC02B, 0xC02C, 0xCCA9);

    /** Parses a ClientHello body (after the 4-byte handshake header); null input gives an empty result. */
    public static ClientHello parse(ByteBuf body) {
        if (body == null) {
            return new ClientHello(null, null, true);
        }
        // Only the readable bytes: absolute reads past the writer index would see whatever the buffer's spare
        // capacity holds (found by ClientHelloFuzzTest; Netty hands over exact slices today, other callers may not).
        ByteBuf hello = body.slice();
        String serverName = null;
        List<String> alpn = null;
        List<Integer> suites = null;
        List<Integer> signatureSchemes = null;
        List<Integer> versions = null;
        try {
            int offset = hello.readerIndex() + 34;
            int end = hello.writerIndex();
            offset += 1 + hello.getUnsignedByte(offset);
            int suitesLength = hello.getUnsignedShort(offset);
            suites = shorts(hello, offset + 2, Math.min(end, offset + 2 + suitesLength));
            offset += 2 + suitesLength;
            offset += 1 + hello.getUnsignedByte(offset);
            if (offset + 2 > end) {
                return new ClientHello(null, null, true);
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
                } else if (type == SIGNATURE_ALGORITHMS && length >= 2) {
                    signatureSchemes = shorts(hello, data + 2, Math.min(data + length, data + 2 + hello.getUnsignedShort(data)));
                } else if (type == SUPPORTED_VERSIONS && length >= 1) {
                    versions = shorts(hello, data + 1, Math.min(data + length, data + 1 + hello.getUnsignedByte(data)));
                }
                offset = data + length;
            }
        } catch (IndexOutOfBoundsException e) {
            // truncated: keep what was found
        }
        return new ClientHello(serverName, alpn, acceptsEcdsa(suites, signatureSchemes, versions));
    }

    /**
     * ECDSA signature schemes have 3 (ecdsa) as their low byte (RFC 8446 4.2.3 and the TLS 1.2 hash/signature
     * pairs of RFC 5246 7.4.1.4.1). Absent signature_algorithms in TLS 1.2 means "what the suite implies".
     */
    private static boolean acceptsEcdsa(List<Integer> suites, List<Integer> schemes, List<Integer> versions) {
        boolean ecdsaScheme = schemes == null || schemes.stream().anyMatch(s -> (s & 0xff) == 3);
        if (versions != null && versions.contains(TLS13)) {
            return ecdsaScheme;
        }
        if (suites == null) {
            return true;
        }
        return ecdsaScheme && suites.stream().anyMatch(ECDSA_SUITES::contains);
    }

    private static List<Integer> shorts(ByteBuf b, int from, int to) {
        List<Integer> out = new ArrayList<>();
        for (int offset = from; offset + 2 <= to; offset += 2) {
            out.add(b.getUnsignedShort(offset));
        }
        return out;
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
