package dev.postern.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.util.Locale;

/**
 * ClientHello parsing under arbitrary bytes. Without {@code JAZZER_FUZZ} this runs the seeds in
 * {@code ClientHelloFuzzTestInputs/} (real JDK ClientHellos, and a truncated one) as regression cases;
 * {@code mvn -Pfuzz test} fuzzes it.
 */
class ClientHelloFuzzTest {

    /**
     * Never throws, never moves the reader index, lower-cases the host name, and reads only the readable bytes:
     * the same body at another reader index, with other bytes behind its end (a pooled buffer's stale capacity),
     * gives the same answer.
     */
    @FuzzTest
    void parseReadsOnlyTheReadableBytes(byte[] body) {
        ByteBuf exact = Unpooled.wrappedBuffer(body);
        ByteBuf placed = Unpooled.buffer(7 + body.length * 3 + 64);
        try {
            ClientHello expected = ClientHello.parse(exact);
            assertEquals(0, exact.readerIndex());
            if (expected.serverName() != null) {
                assertEquals(expected.serverName().toLowerCase(Locale.ROOT), expected.serverName());
            }
            placed.writeBytes(new byte[] {22, 3, 1, 0, 1, 1, 0}).writeBytes(body).readerIndex(7);
            int end = placed.writerIndex();
            // Behind the end: the body again, then 0xff, as a reused buffer might hold.
            placed.setBytes(end, body);
            for (int i = end + body.length; i < placed.capacity(); i++) {
                placed.setByte(i, 0xff);
            }
            assertEquals(expected, ClientHello.parse(placed));
            assertEquals(7, placed.readerIndex());
        } finally {
            exact.release();
            placed.release();
        }
    }
}
