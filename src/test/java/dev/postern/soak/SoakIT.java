package dev.postern.soak;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * The soak tool's minute in the default suite: a few hundred idle TLS sessions, four churn workers through the
 * whole toxic schedule, and the same verdict the 20-minute run must pass (no growth, nothing lost or corrupt, no idle
 * session dropped, zero sessions once the clients left).
 */
class SoakIT {

    @Test
    void aMinuteOfChurnUnderToxicsLosesNothingAndLeavesNothingOpen() throws Exception {
        ByteArrayOutputStream report = new ByteArrayOutputStream();
        SoakVerdict verdict;
        try (PrintStream out = new PrintStream(report, true, StandardCharsets.UTF_8)) {
            verdict = Soak.run(SoakPlan.small(), out);
        }
        String text = report.toString(StandardCharsets.UTF_8);
        System.out.print(text);
        assertTrue(verdict.clean(), text);
    }
}
