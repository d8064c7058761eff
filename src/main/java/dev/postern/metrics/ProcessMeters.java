package dev.postern.metrics;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmHeapPressureMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;

/**
 * The process's own health, beside Postern's meters: heap and its pressure after GC, the JVM's direct buffers,
 * GC pauses, threads, CPU, open descriptors against their limit, uptime. (Netty's allocator, the relay's buffers, is
 * bound by the server, which owns the Netty side.)
 * These are what tell a leak from a busy day; the soak tool reads them. The GC and heap-pressure binders listen to
 * GC notifications until {@link #close}.
 */
public final class ProcessMeters implements AutoCloseable {
    private final JvmGcMetrics gc = new JvmGcMetrics();
    private final JvmHeapPressureMetrics heapPressure = new JvmHeapPressureMetrics();

    private ProcessMeters() {
    }

    public static ProcessMeters bindTo(MeterRegistry registry) {
        ProcessMeters meters = new ProcessMeters();
        new JvmMemoryMetrics().bindTo(registry);
        meters.gc.bindTo(registry);
        meters.heapPressure.bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ClassLoaderMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new FileDescriptorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        return meters;
    }

    @Override
    public void close() {
        gc.close();
        heapPressure.close();
    }
}
