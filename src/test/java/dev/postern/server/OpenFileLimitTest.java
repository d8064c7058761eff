package dev.postern.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The start-up check of the open-file limit against {@code limits.max_connections}. */
class OpenFileLimitTest {

    @Test
    void twoDescriptorsPerConnectionFitSilently() {
        assertNull(OpenFileLimit.warning(20_000, 10_000));
        assertNull(OpenFileLimit.warning(1_048_576, 10_000));
    }

    @Test
    void aLimitBelowTwicePerConnectionIsOneWarningNamingBothNumbers() {
        assertEquals("the open-file limit (20000) cannot hold two descriptors for each of limits.max_connections "
                + "(10001): raise it to at least 20002 (ulimit -n, LimitNOFILE=) or lower limits.max_connections to "
                + "10000", OpenFileLimit.warning(20_000, 10_001));
    }

    @Test
    void thisMachinesLimitIsReadable() {
        assertTrue(OpenFileLimit.current().orElse(1) > 0);
    }
}
