package dev.postern.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.postern.metrics.ProxyMetrics;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.ssl.NotSslRecordException;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.handler.ssl.SslHandshakeTimeoutException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A client's finished handshake becomes one meter call with a fixed outcome and reason. */
class HandshakeRecorderTest {
    private final List<String> calls = new ArrayList<>();
    private final ProxyMetrics metrics = (ProxyMetrics) java.lang.reflect.Proxy.newProxyInstance(
            ProxyMetrics.class.getClassLoader(), new Class<?>[] {ProxyMetrics.class}, (self, method, args) -> {
                if (method.getName().startsWith("tls")) {
                    calls.add(method.getName() + List.of(args));
                }
                return null;
            });
    private final HandshakeRecorder recorder = new HandshakeRecorder("imaps", metrics);

    @Test
    void aSuccessIsCountedAsOk() {
        EmbeddedChannel ch = new EmbeddedChannel();
        try {
            // No SslHandler in the pipeline: resumption cannot be told, so it is not counted.
            assertTrue(recorder.record(SslHandshakeCompletionEvent.SUCCESS, ch.pipeline(), "s1", "client"));
            assertEquals(List.of("tlsHandshake[imaps, ok, none]"), calls);
        } finally {
            ch.finishAndReleaseAll();
        }
    }

    @Test
    void failuresAreCountedWithTheirReason() {
        EmbeddedChannel ch = new EmbeddedChannel();
        try {
            assertFalse(recorder.record(new SslHandshakeCompletionEvent(new SslHandshakeTimeoutException("slow")),
                    ch.pipeline(), "s1", "client"));
            assertFalse(recorder.record(new SslHandshakeCompletionEvent(new NotSslRecordException("a LOGIN ...")),
                    ch.pipeline(), "s2", "client"));
            assertEquals(List.of("tlsHandshake[imaps, timeout, timeout]", "tlsHandshake[imaps, failed, not_tls]"),
                    calls);
        } finally {
            ch.finishAndReleaseAll();
        }
    }
}
