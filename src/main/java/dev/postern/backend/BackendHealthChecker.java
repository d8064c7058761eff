package dev.postern.backend;

import dev.postern.config.HealthConfig;
import dev.postern.config.HostPort;
import dev.postern.route.BackendHealth;
import dev.postern.session.PipelineNames;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.Promise;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Active checks: for each backend with checks enabled, every interval, connect and wait for a {@code * OK}
 * greeting line within the timeout (after the TLS handshake for a backend spoken to with implicit TLS), and tell
 * {@link BackendHealth} how it went. Runs on one event loop; never blocks it.
 */
public final class BackendHealthChecker implements AutoCloseable {
    private final BackendHealth health;
    private final EventLoop loop;
    private final BackendDialer dialer;
    private final List<ScheduledFuture<?>> tasks = new ArrayList<>();

    public BackendHealthChecker(BackendHealth health, EventLoop loop, BackendDialer dialer) {
        this.health = health;
        this.loop = loop;
        this.dialer = dialer;
    }

    public void start() {
        for (Map.Entry<HostPort, HealthConfig> e : health.activeChecks().entrySet()) {
            HostPort backend = e.getKey();
            HealthConfig config = e.getValue();
            tasks.add(loop.scheduleWithFixedDelay(() -> check(backend, config), 0, config.interval().toMillis(),
                    TimeUnit.MILLISECONDS));
        }
    }

    private void check(HostPort backend, HealthConfig config) {
        Promise<Void> result = loop.newPromise();
        long timeout = config.timeout().toMillis();
        ScheduledFuture<?> timer = loop.schedule(() -> result.tryFailure(
                new IllegalStateException("no greeting within " + timeout + " ms")), timeout, TimeUnit.MILLISECONDS);
        result.addListener(f -> {
            timer.cancel(false);
            if (f.isSuccess()) {
                health.recordSuccess(backend);
            } else {
                health.recordFailure(backend, "health check: " + f.cause().getMessage());
            }
        });
        dialer.open(backend, loop, config.timeout(), PipelineNames.HEALTH_PROBE, tls -> new GreetingProbeHandler(result),
                result, dialer.healthCheckHeader(backend));
    }

    @Override
    public void close() {
        tasks.forEach(t -> t.cancel(false));
    }
}
