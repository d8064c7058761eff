package dev.postern.metrics;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

class ProcessMetersTest {

    @Test
    void theSoakToolsFiguresAreAllThere() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (ProcessMeters ignored = ProcessMeters.bindTo(registry)) {
            assertTrue(registry.find("jvm.memory.used").tag("area", "heap").gauges().size() > 0);
            assertNotNull(registry.find("jvm.buffer.memory.used").tag("id", "direct").gauge());
            assertTrue(registry.get("process.files.open").gauge().value() > 0, "open descriptors");
            assertTrue(registry.get("process.files.max").gauge().value() > 0, "their limit");
            assertNotNull(registry.find("jvm.gc.overhead").gauge());
        }
    }
}
