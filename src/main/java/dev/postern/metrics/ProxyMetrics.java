package dev.postern.metrics;

import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.function.DoubleSupplier;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * Everything the proxy counts. Implementations keep meters pre-built: calls are cheap and never block. State that
 * lives elsewhere (certificates, caches, backends) is registered once as a supplier and read when the meter is read;
 * the suppliers speak plain numbers, so this package depends on no other Postern package.
 */
public interface ProxyMetrics {
    void connectionOpened(String listener);

    void connectionClosed(String listener);

    /**
     * A login finished. {@code outcome}: {@code ok}, or the failure's fixed low-cardinality tag ({@code connect},
     * {@code auth_rejected}, ...), as the session's failure type names it.
     */
    void login(String outcome, Duration took);

    /** A login refused by the backend (wrong password and the like). */
    void loginRejected();

    /** {@code outcome}: ok, failed, timeout; {@code reason}: a fixed word (see HandshakeFailures), "none" on success. */
    void tlsHandshake(String listener, String outcome, String reason);

    /** A successful handshake resumed a session (ticket or cache). */
    void tlsResumed(String listener);

    /** A certificate reload finished; {@code outcome}: ok (swapped in) or failed (the running ones kept). */
    void tlsReload(String outcome);

    /** Seconds until the named certificate set expires ({@code postern.tls.certificate.expiry}); once per name. */
    void certificateExpiry(String name, DoubleSupplier secondsLeft);

    /** The route cache's running totals ({@code cache.*{cache=postern.route.cache}}); once. */
    void routeCache(Supplier<CacheCounts> counts);

    /** One pooled backend's state ({@code postern.backend.up/draining/sessions{backend}}); once per backend. */
    void backend(String backend, BooleanSupplier up, BooleanSupplier draining, LongSupplier sessions);

    void relayStarted();

    /** A successful client handshake's TLS version ({@code TLSv1.3}, ...). */
    void tlsProtocol(String listener, String protocol);

    /** Octets relayed: {@code fromClient} true for client to backend, false for backend to client. */
    void relayed(boolean fromClient, long octets);

    void relayEnded();

    /** A pre-auth bound was crossed; {@code limit} is a fixed low-cardinality name. */
    void limitHit(String limit);

    /**
     * A failed login's reply was held back {@code delay}; {@code scope} says what set it: {@code base} (the failure
     * delay alone), {@code address} or {@code user} (a penalty grown by earlier failures).
     */
    void loginDelay(String scope, Duration delay);

    ProxyMetrics NOOP = new ProxyMetrics() {
        @Override public void connectionOpened(String listener) { }
        @Override public void connectionClosed(String listener) { }
        @Override public void login(String outcome, Duration took) { }
        @Override public void loginRejected() { }
        @Override public void tlsHandshake(String listener, String outcome, String reason) { }
        @Override public void tlsResumed(String listener) { }
        @Override public void tlsReload(String outcome) { }
        @Override public void certificateExpiry(String name, DoubleSupplier secondsLeft) { }
        @Override public void routeCache(Supplier<CacheCounts> counts) { }
        @Override public void backend(String backend, BooleanSupplier up, BooleanSupplier draining,
                                      LongSupplier sessions) { }
        @Override public void relayStarted() { }
        @Override public void tlsProtocol(String listener, String protocol) { }
        @Override public void relayed(boolean fromClient, long octets) { }
        @Override public void relayEnded() { }
        @Override public void limitHit(String limit) { }
        @Override public void loginDelay(String scope, Duration delay) { }
    };
}
