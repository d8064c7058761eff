package dev.postern.frontend;

import dev.postern.auth.SaslExchange;
import dev.postern.auth.SaslStep;
import dev.postern.config.TlsMode;
import dev.postern.imap.CommandFrame;
import dev.postern.imap.Credentials;
import dev.postern.imap.FramerEvent;
import dev.postern.imap.ImapCommandFramer;
import dev.postern.imap.ImapResponse;
import dev.postern.session.LoginResult;
import dev.postern.session.ProxyFailure;
import dev.postern.session.ProxyFailureException;
import dev.postern.session.RateLimitedLog.Reason;
import dev.postern.session.RateLimitedLog;
import dev.postern.session.SessionContext;
import dev.postern.session.SessionRecord;
import dev.postern.tls.HandshakeFailures;
import dev.postern.tls.HandshakeRecorder;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The not-authenticated state of one client connection (RFC 9051 / RFC 3501). It owns the session's one
 * {@link PreAuthState} and every change of it: commands go to {@link PreAuthCommands}, AUTHENTICATE exchanges to
 * a SASL mechanism, credentials to a backend through a {@link LoginInFlight}, and a successful login to the
 * {@link LoginHandoff}. Bounds: the pre-auth and login deadlines ({@link PreAuthDeadlines}), pre-auth idle,
 * failed logins (here), bad commands ({@link PreAuthReplies}), commands ({@link PreAuthCommands}) and framing (the
 * framer's violations).
 *
 * <p>Every failed login (the backend's NO, an unknown user, a route source's refusal, credentials no IMAP command
 * can carry, a malformed SASL response) is answered after the same failure delay ({@code limits.failure_delay},
 * grown by {@code limits.penalty}), counted from when its credentials arrived, so timing never tells a known user
 * from an unknown one. A temporary failure ({@code [UNAVAILABLE]}), a SASL cancel ({@code *}: no password tried)
 * and a success are never delayed. While a reply waits the client is not read ({@link DelayedFailure}).
 */
public final class PreAuthHandler extends ChannelInboundHandlerAdapter implements LoginInFlight.Listener {
    private static final Logger LOG = LoggerFactory.getLogger(PreAuthHandler.class);

    private final FrontendSettings settings;
    private final ImapCommandFramer framer;
    private final HandshakeRecorder handshakes;
    private PreAuthState state = PreAuthState.COMMANDS;
    private ChannelHandlerContext ctx;
    private SessionContext session;
    private PreAuthReplies replies;
    private PreAuthCommands commands;
    /** Logins the backend refused; temporary failures do not count (the client keeps its attempt). */
    private int refusedLogins;
    private PreAuthDeadlines deadlines;

    /** RFC 7628 3.2.2's error, base64: {@code {"status":"invalid_token","schemes":"bearer"}}. */
    static final String TOKEN_ERROR = java.util.Base64.getEncoder().encodeToString(
            "{\"status\":\"invalid_token\",\"schemes\":\"bearer\"}".getBytes(StandardCharsets.US_ASCII));

    public PreAuthHandler(FrontendSettings settings, ImapCommandFramer framer) {
        this.settings = settings;
        this.framer = framer;
        this.handshakes = new HandshakeRecorder(settings.listener().name(), settings.metrics());
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        this.session = ctx.channel().attr(SessionContext.KEY).get();
        this.replies = new PreAuthReplies(ctx, settings.limits().maxBadCommands(), this::closeAtLimit);
        this.commands = new PreAuthCommands(this, ctx, settings, framer, replies, settings.mechanisms(), id());
        this.deadlines = new PreAuthDeadlines(ctx.executor(), settings.timeouts(), this::preAuthExpired,
                () -> closeWithBye("Login timeout, disconnecting"));
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        deadlines.start();
        if (settings.listener().tls() != TlsMode.IMPLICIT) {
            ctx.writeAndFlush(commands.greeting());
        }
        ctx.fireChannelActive();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        enter(PreAuthState.DONE);
        ctx.fireChannelInactive();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof SslHandshakeCompletionEvent done) {
            String client = session == null ? "?" : session.clientText();
            if (!handshakes.record(done, ctx.pipeline(), id(), client)) {
                record().ending("tls handshake failed");
                enter(PreAuthState.DONE);
                ctx.close();
            } else {
                SslHandler ssl = ctx.pipeline().get(SslHandler.class);
                if (session != null) {
                    session = session.withTls();
                    ctx.channel().attr(SessionContext.KEY).set(session);
                }
                if (ssl != null) {
                    record().tlsUp(ssl.engine().getSession().getProtocol(), ssl.engine().getSession().getCipherSuite());
                }
                if (settings.listener().tls() == TlsMode.IMPLICIT) {
                    ctx.writeAndFlush(commands.greeting());
                }
            }
        } else if (evt instanceof ChannelInputShutdownEvent) {
            // The client sent FIN. Commands before it were framed and answered already; a login still running
            // finishes, and the half-close then travels on to the backend. Otherwise nothing more can come.
            if (state instanceof PreAuthState.LoggingIn in) {
                in.login().clientInputShut();
            } else if (state instanceof PreAuthState.Delaying delaying) {
                delaying.failure().clientInputShut();
            } else {
                enter(PreAuthState.DONE);
                ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
            }
        } else if (evt instanceof IdleStateEvent && !(state instanceof PreAuthState.LoggingIn)
                && !(state instanceof PreAuthState.Delaying)) {
            closeAtLimit("pre_auth_idle", "Idle for too long before login, disconnecting");
        }
        ReferenceCountUtil.release(evt);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof CommandFrame frame) {
            try {
                if (state != PreAuthState.DONE) {
                    commands.run(frame);
                }
            } finally {
                frame.wipe();
            }
        } else if (msg instanceof FramerEvent.ClientResponse response) {
            try {
                onClientResponse(response.line());
            } finally {
                Arrays.fill(response.line(), (byte) 0);
            }
        } else if (state == PreAuthState.DONE) {
            ReferenceCountUtil.release(msg);
        } else if (msg instanceof FramerEvent.LiteralAnnounced announced) {
            commands.literalAnnounced(announced);
        } else if (msg instanceof FramerEvent.Violation violation) {
            settings.metrics().limitHit(violation.kind().name().toLowerCase(Locale.ROOT));
            boolean budget = violation.kind() == FramerEvent.Kind.PREAUTH_MEMORY;
            if (RateLimitedLog.FAILURES.admit(budget ? Reason.LIMIT_HIT : Reason.PROTOCOL_VIOLATION)) {
                LOG.info("[{}] closing {}: {}", id(), clientText(), violation.text());
            }
            record().ending(budget ? "limit preauth_memory" : "protocol violation");
            replies.taggedNoFlush(violation.tag(), "BAD", violation.text());
            closeWithBye(budget
                    ? "[LIMIT] Server busy, disconnecting" : "Too much invalid input, disconnecting");
        } else {
            ReferenceCountUtil.release(msg);
        }
    }

    /** The client's ID fields: part of the session from now on (a backend may be sent them). */
    void clientSentId(java.util.Map<String, String> fields) {
        if (session != null) {
            session = session.withClientId(fields);
            ctx.channel().attr(SessionContext.KEY).set(session);
        }
    }

    /** LOGOUT before login: BYE, OK, close. */
    void logout(String tag) {
        record().ending("logout");
        enter(PreAuthState.DONE);
        replies.untagged("BYE Logging out");
        ctx.writeAndFlush(ImapResponse.tagged(tag, "OK", "Logout completed.")).addListener(ChannelFutureListener.CLOSE);
    }

    /** AUTHENTICATE with a mechanism that is offered here; {@code initialResponse} (SASL-IR) may be null. */
    void authenticate(String tag, SaslExchange exchange, byte[] initialResponse) {
        SaslStep step;
        try {
            step = exchange.start(initialResponse);
        } finally {
            if (initialResponse != null) {
                Arrays.fill(initialResponse, (byte) 0);
            }
        }
        onSaslStep(tag, exchange, step);
    }

    private void onClientResponse(byte[] line) {
        if (state instanceof PreAuthState.Authenticating auth) {
            onSaslStep(auth.tag(), auth.exchange(), auth.exchange().next(line));
        } else if (state instanceof PreAuthState.TokenRefused refused) {
            enter(PreAuthState.COMMANDS);
            refused.answer().run(); // whatever the client's dummy reply (^A, empty, or *): the NO follows
        }
    }

    private void onSaslStep(String tag, SaslExchange exchange, SaslStep step) {
        if (step instanceof SaslStep.Challenge challenge) {
            enter(new PreAuthState.Authenticating(tag, exchange));
            framer.expectClientResponse();
            replies.continuation(challenge.base64());
        } else if (step instanceof SaslStep.Failed failed) {
            // No user to count, but a failed login all the same: its address is penalised.
            replyAfter(now(), penalty(null), false, shut -> {
                replies.bad(tag, failed.text());
                return afterFailure(shut);
            });
        } else if (step instanceof SaslStep.Cancelled) {
            replies.bad(tag, "Authentication cancelled");
            afterFailure(false);
        } else if (step instanceof SaslStep.Authenticated done) {
            login(tag, done.credentials());
        }
    }

    /** Credentials from LOGIN or AUTHENTICATE: to a backend, unless no IMAP command could carry them. */
    void login(String tag, Credentials credentials) {
        String unsendable = credentials.unsendableReason();
        if (unsendable != null) {
            credentials.wipe();
            LOG.info("[{}] login refused before any backend: {}", id(), unsendable);
            replyAfter(now(), penalty(credentials.userName()), false, shut -> loginFailed(tag,
                    "[AUTHENTICATIONFAILED] Invalid characters in user name or password", true, shut));
            return;
        }
        LoginInFlight login = new LoginInFlight(ctx.channel(), framer, tag, credentials, this);
        enter(new PreAuthState.LoggingIn(login));
        login.start(settings.gateway(), session, credentials, refusedLogins + 1);
    }

    @Override
    public boolean loginFinished(LoginInFlight login, Future<LoginResult> result) {
        Duration took = login.elapsed();
        if (!result.isSuccess()) {
            ProxyFailureException e = ProxyFailureException.of(result.cause(), ProxyFailure.INTERNAL, "login");
            ProxyFailure failure = e.failure();
            settings.metrics().login(failure.tag(), took);
            LOG.warn("[{}] login for {} from {} failed ({}): {}", id(), login.user(), clientText(), failure.tag(),
                    e.getMessage());
            if (failure != ProxyFailure.AUTH_REJECTED) {
                return loginFailed(login.tag(), failure.clientText(), false, login.isClientInputShut());
            }
            return refuse(login, penalty(login.user()), shut -> loginFailed(login.tag(), failure.clientText(), true,
                    shut));
        }
        if (result.getNow() instanceof LoginResult.Rejected rejected) {
            settings.metrics().loginRejected();
            settings.metrics().login(ProxyFailure.AUTH_REJECTED.tag(), took);
            LOG.info("[{}] login for {} from {} refused by the backend", id(), login.user(), clientText());
            // A source's own wait (Auth-Wait) applies to a temporary NO too; only a refusal is penalised.
            boolean refused = !rejected.temporary();
            Duration delay = refused ? max(penalty(login.user()), rejected.minDelay()) : rejected.minDelay();
            // The backend's notices (RFC 9051 7.1: [ALERT] ...) go just before the NO, whenever that is due.
            return refuse(login, delay, shut -> {
                rejected.untagged().forEach(replies::untagged);
                return loginFailed(login.tag(), rejected.text(), refused, shut);
            });
        }
        LoginResult.LoggedIn in = (LoginResult.LoggedIn) result.getNow();
        settings.metrics().login("ok", took);
        settings.penalties().succeeded(clientAddress(), login.user());
        LOG.info("[{}] {} from {} logged in on {} in {} ms", id(), login.user(), clientText(), in.backendName(),
                took.toMillis());
        record().loggedIn(login.user(), in.backendName(), took.toMillis());
        enter(PreAuthState.DONE);
        LoginHandoff.start(ctx, settings, id(), login.tag(), in, login.isClientInputShut());
        return false;
    }

    /**
     * A refused login's NO after {@code delay}. A refused bearer token first gets the error continuation of RFC
     * 7628 3.2.2 (XOAUTH2 clients expect the same), and the NO waits for the client's dummy reply as well.
     *
     * @return whether the session reads commands again now
     */
    private boolean refuse(LoginInFlight login, Duration delay, DelayedFailure.Reply no) {
        if (!login.kind().bearer() || login.isClientInputShut()) {
            return replyAfter(login.startedNanos(), delay, login.isClientInputShut(), no);
        }
        replies.continuation(TOKEN_ERROR);
        framer.expectClientResponse();
        enter(new PreAuthState.TokenRefused(login.tag(),
                () -> replyAfter(login.startedNanos(), delay, false, no)));
        return true;
    }

    /** Counts a failed login (of {@code user}, null when none was given) and says how long its reply waits. */
    private Duration penalty(String user) {
        return settings.penalties().failed(clientAddress(), user);
    }

    private static Duration max(Duration a, Duration b) {
        return a.compareTo(b) >= 0 ? a : b;
    }

    /**
     * Sends {@code reply} once {@code delay} has passed since the credentials arrived ({@code arrivedNanos}), from
     * a task on the event loop; at once when it already has (a backend slower than the delay).
     *
     * @return whether the session reads commands again now (false while the reply waits: it resumes reading itself)
     */
    private boolean replyAfter(long arrivedNanos, Duration delay, boolean clientInputShut, DelayedFailure.Reply reply) {
        long wait = arrivedNanos + delay.toNanos() - now();
        if (wait <= 0) {
            return reply.send(clientInputShut);
        }
        DelayedFailure held = new DelayedFailure(ctx.channel(), framer, clientInputShut, reply);
        enter(new PreAuthState.Delaying(held));
        held.start(wait);
        return false;
    }

    /**
     * A NO to a login. Only a refused login ({@code refused}: the backend's NO, or credentials no backend could
     * take) counts toward {@code maxLoginAttempts}; after a temporary failure the client keeps its attempt.
     *
     * @return whether the session reads commands again
     */
    private boolean loginFailed(String tag, String text, boolean refused, boolean clientInputShut) {
        replies.taggedNoFlush(tag, "NO", text);
        if (!clientInputShut && refused && ++refusedLogins >= settings.limits().maxLoginAttempts()) {
            closeAtLimit("max_login_attempts", "Too many failed logins, disconnecting");
            return false;
        }
        return afterFailure(clientInputShut);
    }

    /**
     * After the reply to a failed login or AUTHENTICATE: the session closes when the client has sent FIN or the
     * pre-auth deadline has passed (a retry would come too late), else it reads commands again.
     *
     * @return whether the session reads commands again
     */
    private boolean afterFailure(boolean clientInputShut) {
        if (state == PreAuthState.DONE) {
            return false; // the reply itself ended the session (too many bad commands)
        }
        if (clientInputShut) {
            enter(PreAuthState.DONE);
            ctx.flush().close();
            return false;
        }
        if (deadlines.preAuthExpired()) {
            preAuthOver();
            return false;
        }
        ctx.flush();
        enter(PreAuthState.COMMANDS);
        return true;
    }

    /** The pre-auth deadline passed: a session waiting for its login command ends; a login under way finishes. */
    private void preAuthExpired() {
        if (state == PreAuthState.COMMANDS) {
            preAuthOver();
        }
    }

    private void preAuthOver() {
        closeAtLimit("pre_auth_deadline", "Too long without logging in, disconnecting");
    }

    /** A bound crossed ({@code limit}: its metric name): counted, logged (rate-limited), then {@code * BYE}. */
    void closeAtLimit(String limit, String text) {
        record().ending("limit " + limit);
        settings.metrics().limitHit(limit);
        if (RateLimitedLog.FAILURES.admit(Reason.LIMIT_HIT)) {
            LOG.info("[{}] closing {}: {}", id(), clientText(), limit);
        }
        closeWithBye(text);
    }

    /** Ends the session from our side: {@code * BYE}, flush, close. */
    void closeWithBye(String text) {
        if (state == PreAuthState.DONE && !ctx.channel().isActive()) {
            return;
        }
        record().ending("bye: " + text);
        enter(PreAuthState.DONE);
        framer.pause();
        ctx.writeAndFlush(ImapResponse.untagged("BYE " + text)).addListener(ChannelFutureListener.CLOSE);
    }

    private SessionRecord record() {
        return SessionRecord.of(ctx.channel());
    }

    /**
     * The one place the state changes: leaving a login in flight any other way than its answer abandons it,
     * leaving a delayed reply before it is due cancels it; the login timer runs while a login is under way.
     */
    private void enter(PreAuthState next) {
        if (state instanceof PreAuthState.LoggingIn in && next != state) {
            in.login().abandon();
        } else if (state instanceof PreAuthState.Delaying delaying && next != state) {
            delaying.failure().cancel();
        }
        state = next;
        deadlines.loginRunning(next instanceof PreAuthState.Authenticating || next instanceof PreAuthState.LoggingIn);
        if (next == PreAuthState.DONE) {
            deadlines.stop();
        }
    }

    /** The event loop's clock (a test's channel moves it by hand). */
    private long now() {
        return ctx.executor().ticker().nanoTime();
    }

    private InetAddress clientAddress() {
        return session == null || session.client() == null ? null : session.client().getAddress();
    }

    private String id() {
        return session == null ? "-" : session.id();
    }

    private String clientText() {
        return session == null ? "unknown" : session.clientText();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof io.netty.handler.codec.DecoderException
                && cause.getCause() instanceof javax.net.ssl.SSLException) {
            LOG.debug("[{}] TLS error: {}", id(), HandshakeFailures.describe(cause));
        } else if (RateLimitedLog.FAILURES.admit(Reason.CONNECTION_ERROR)) {
            LOG.info("[{}] closing after error: {}", id(), HandshakeFailures.describe(cause));
        }
        record().ending("error");
        enter(PreAuthState.DONE);
        ctx.close();
    }
}
