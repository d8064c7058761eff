package dev.postern.frontend;

import dev.postern.config.TimeoutsConfig;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * The two clocks of a session before login, on its event loop.
 * <ul>
 * <li>{@code timeouts.pre_auth}: a total deadline from connect by which a LOGIN or AUTHENTICATE must have arrived.
 *     Bytes, NOOPs and a STARTTLS handshake do not move it, and it keeps running across failed logins: a client
 *     answered NO after the deadline gets its NO and then {@code * BYE}. While a login is being worked on (or its
 *     failure delay served) the deadline does not cut it; the login timer bounds that.</li>
 * <li>{@code timeouts.login}: from a LOGIN or AUTHENTICATE command to the login's answer, our own work (route
 *     lookup, backends) and an AUTHENTICATE exchange's client responses; restarted for each login.</li>
 * </ul>
 * The pre-auth idle timer ({@code timeouts.pre_auth_idle}) is the pipeline's own handler.
 */
final class PreAuthDeadlines {
    private final EventExecutor loop;
    private final TimeoutsConfig timeouts;
    private final Runnable preAuthExpired;
    private final Runnable loginExpired;
    private ScheduledFuture<?> preAuth;
    private ScheduledFuture<?> login;
    private boolean expired;

    /**
     * @param preAuthExpired called once when the pre-auth deadline passes (whatever the session is doing)
     * @param loginExpired   called when a login ran out of time
     */
    PreAuthDeadlines(EventExecutor loop, TimeoutsConfig timeouts, Runnable preAuthExpired, Runnable loginExpired) {
        this.loop = loop;
        this.timeouts = timeouts;
        this.preAuthExpired = preAuthExpired;
        this.loginExpired = loginExpired;
    }

    /** At connect. */
    void start() {
        preAuth = loop.schedule(() -> {
            expired = true;
            preAuthExpired.run();
        }, timeouts.preAuth().toNanos(), TimeUnit.NANOSECONDS);
    }

    /** Whether the pre-auth deadline has passed. */
    boolean preAuthExpired() {
        return expired;
    }

    /** A login started ({@code true}; a running timer keeps running) or ended ({@code false}). */
    void loginRunning(boolean running) {
        if (running && login == null) {
            login = loop.schedule(loginExpired, timeouts.login().toNanos(), TimeUnit.NANOSECONDS);
        } else if (!running && login != null) {
            login.cancel(false);
            login = null;
        }
    }

    /** The session is over: nothing more fires. */
    void stop() {
        loginRunning(false);
        if (preAuth != null) {
            preAuth.cancel(false);
            preAuth = null;
        }
    }
}
