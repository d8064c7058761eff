package dev.postern.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The soak found 21 "corrupt" messages: the generator itself made a bare CR for one size in 78. */
class TestMessagesTest {

    @Test
    void everySizeIsExactAndEveryCrIsFollowedByLfAndEveryLfPrecededByCr() {
        for (int size = 20; size < 20 + 3 * 78; size++) {
            byte[] m = TestMessages.crlf(size, size, "t");
            assertEquals(size, m.length);
            assertEquals('\n', m[size - 1]);
            for (int i = 0; i < size; i++) {
                if (m[i] == '\r') {
                    assertTrue(i + 1 < size && m[i + 1] == '\n', "bare CR at " + i + " of " + size);
                }
                if (m[i] == '\n') {
                    assertTrue(i > 0 && m[i - 1] == '\r', "bare LF at " + i + " of " + size);
                }
            }
        }
    }
}
