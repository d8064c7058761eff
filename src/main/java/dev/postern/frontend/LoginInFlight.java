package dev.postern.frontend;

import dev.postern.imap.Credentials;
import dev.postern.imap.ImapCommandFramer;
import dev.postern.session.BackendGateway;
import dev.postern.session.LoginResult;
import dev.postern.session.SessionContext;
import io.netty.channel.Channel;
import io.netty.util.concurrent.Future;
import java.time.Duration;

/**
 * One login at a backend, from the client's credentials to the backend's answer. Creating it stops reading the
 * client: autoRead off, and the framer keeps whatever arrives, in order, for the backend or for later commands.
 * It ends once, one of two ways:
 * <ul>
 * <li>the gateway answers (or fails): the {@link Listener} replies and says whether the session goes on reading
 *     commands; only then is reading resumed, here (a hand-off or a close takes reading over instead);</li>
 * <li>the session ends first ({@link #abandon()}: client gone, timeout, too much pipelined): the attempt is
 *     cancelled, and a backend that logs in anyway is closed, not logged in for nobody.</li>
 * </ul>
 * So no other code pairs a pause with a resume. Confined to the client channel's event loop.
 */
final class LoginInFlight {

    /** Hears how the login ended, unless it was abandoned. */
    interface Listener {
        /** @return true when the session reads commands again (a failed login the client may retry) */
        boolean loginFinished(LoginInFlight login, Future<LoginResult> result);
    }

    private final Channel channel;
    private final ImapCommandFramer framer;
    private final String tag;
    private final String user;
    private final Credentials.Kind kind;
    private final Listener listener;
    /** When the credentials arrived, on the event loop's clock (failure delays count from here). */
    private final long startedNanos;
    private Future<LoginResult> result;
    private boolean answered;
    private boolean abandoned;
    private boolean clientInputShut;

    /** Stops reading the client; {@link #start} then sends the credentials. */
    LoginInFlight(Channel channel, ImapCommandFramer framer, String tag, Credentials credentials, Listener listener) {
        this.channel = channel;
        this.framer = framer;
        this.tag = tag;
        this.user = credentials.userName();
        this.kind = credentials.kind();
        this.listener = listener;
        this.startedNanos = channel.eventLoop().ticker().nanoTime();
        framer.pause();
        channel.config().setAutoRead(false);
    }

    /**
     * Asks the gateway; the credentials are wiped once it has answered. Separate from the constructor so the
     * session can record this login as its state first: a gateway may answer before {@code login} returns.
     */
    void start(BackendGateway gateway, SessionContext session, Credentials credentials, int attempt) {
        result = gateway.login(session, credentials, attempt, channel.eventLoop());
        result.addListener((Future<LoginResult> f) -> completed(credentials, f));
    }

    /** The session ended before the answer: cancel the attempt (the connector closes what it opened). */
    void abandon() {
        if (answered) {
            return;
        }
        abandoned = true;
        if (result != null && !result.isDone()) {
            result.cancel(false);
        }
    }

    /**
     * The client sent FIN while the login ran. The login still finishes: on success the half-close travels on to
     * the backend after the hand-off, on failure the session closes after the NO.
     */
    void clientInputShut() {
        clientInputShut = true;
    }

    boolean isClientInputShut() {
        return clientInputShut;
    }

    String tag() {
        return tag;
    }

    /** What the client's secret was: a refused bearer token is answered with an error continuation first. */
    Credentials.Kind kind() {
        return kind;
    }

    /** The login name, for log lines. */
    String user() {
        return user;
    }

    Duration elapsed() {
        return Duration.ofNanos(channel.eventLoop().ticker().nanoTime() - startedNanos);
    }

    /** When the credentials arrived, on the event loop's ticker. */
    long startedNanos() {
        return startedNanos;
    }

    private void completed(Credentials credentials, Future<LoginResult> f) {
        credentials.wipe();
        if (abandoned || !channel.isActive()) {
            if (f.isSuccess() && f.getNow() instanceof LoginResult.LoggedIn in) {
                in.backend().close();
            }
            return;
        }
        answered = true;
        if (listener.loginFinished(this, f)) {
            channel.config().setAutoRead(true);
            framer.resume();
        }
    }
}
