package dev.postern.frontend;

import dev.postern.auth.SaslExchange;
import dev.postern.auth.SaslMechanisms;
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
import dev.postern.session.SessionContext;
import dev.postern.tls.HandshakeFailures;
import dev.postern.tls.HandshakeRecorder;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.ScheduledFuture;
import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The not-authenticated state of one client connection (RFC 9051 / RFC 3501). It owns the session's one
 * {@link PreAuthState} and every change of it: commands go to {@link PreAuthCommands}, AUTHENTICATE exchanges to
 * a SASL mechanism, credentials to a backend through a {@link LoginInFlight}, and a successful login to the
 * {@link LoginHandoff}. Bounds: the login deadline, pre-auth idle, failed logins (here), bad commands
 * ({@link PreAuthReplies}), commands ({@link PreAuthCommands}) and framing (the framer's violations).
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
    private ScheduledFuture<?> loginDeadline;

    public PreAuthHandler(FrontendSettings settings, ImapCommandFramer framer) {
        this.settings = settings;
        this.framer = framer;
        this.handshakes = new HandshakeRecorder(settings.listener().name(), settings.metrics());
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        this.session = ctx.channel().attr(SessionContext.KEY).get();
        this.replies = new PreAuthReplies(ctx, settings.limits().maxBadCommands(), settings.metrics()::limitHit,
                this::closeWithBye);
        this.commands = new PreAuthCommands(this, ctx, settings, framer, replies, SaslMechanisms.DEFAULT, id());
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        Duration login = settings.timeouts().login();
        loginDeadline = ctx.executor().schedule(() -> closeWithBye("Login timeout, disconnecting"),
                login.toMillis(), TimeUnit.MILLISECONDS);
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
                enter(PreAuthState.DONE);
                ctx.close();
            } else if (settings.listener().tls() == TlsMode.IMPLICIT) {
                ctx.writeAndFlush(commands.greeting());
            }
        } else if (evt instanceof ChannelInputShutdownEvent) {
            // The client sent FIN. Commands before it were framed and answered already; a login still running
            // finishes, and the half-close then travels on to the backend. Otherwise nothing more can come.
            if (state instanceof PreAuthState.LoggingIn in) {
                in.login().clientInputShut();
            } else {
                enter(PreAuthState.DONE);
                ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
            }
        } else if (evt instanceof IdleStateEvent && !(state instanceof PreAuthState.LoggingIn)) {
            settings.metrics().limitHit("pre_auth_idle");
            closeWithBye("Idle for too long before login, disconnecting");
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
            LOG.info("[{}] closing: {}", id(), violation.text());
            replies.taggedNoFlush(violation.tag(), "BAD", violation.text());
            closeWithBye(violation.kind() == FramerEvent.Kind.PREAUTH_MEMORY
                    ? "[LIMIT] Server busy, disconnecting" : "Too much invalid input, disconnecting");
        } else {
            ReferenceCountUtil.release(msg);
        }
    }

    /** LOGOUT before login: BYE, OK, close. */
    void logout(String tag) {
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
        if (!(state instanceof PreAuthState.Authenticating auth)) {
            return;
        }
        enter(PreAuthState.COMMANDS);
        onSaslStep(auth.tag(), auth.exchange(), auth.exchange().next(line));
    }

    private void onSaslStep(String tag, SaslExchange exchange, SaslStep step) {
        if (step instanceof SaslStep.Challenge challenge) {
            enter(new PreAuthState.Authenticating(tag, exchange));
            framer.expectClientResponse();
            replies.continuation(challenge.base64());
        } else if (step instanceof SaslStep.Failed failed) {
            replies.bad(tag, failed.text());
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
            loginFailed(tag, "[AUTHENTICATIONFAILED] Invalid characters in user name or password", true, false);
            return;
        }
        LoginInFlight login = new LoginInFlight(ctx.channel(), framer, tag, credentials.userName(), this);
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
            return loginFailed(login.tag(), failure.clientText(), failure == ProxyFailure.AUTH_REJECTED,
                    login.isClientInputShut());
        }
        if (result.getNow() instanceof LoginResult.Rejected rejected) {
            settings.metrics().loginRejected();
            settings.metrics().login(ProxyFailure.AUTH_REJECTED.tag(), took);
            LOG.info("[{}] login for {} from {} refused by the backend", id(), login.user(), clientText());
            rejected.untagged().forEach(replies::untagged);
            return loginFailed(login.tag(), rejected.text(), true, login.isClientInputShut());
        }
        LoginResult.LoggedIn in = (LoginResult.LoggedIn) result.getNow();
        settings.metrics().login("ok", took);
        LOG.info("[{}] {} from {} logged in on {} in {} ms", id(), login.user(), clientText(), in.backendName(),
                took.toMillis());
        enter(PreAuthState.DONE);
        LoginHandoff.start(ctx, settings, id(), login.tag(), in, login.isClientInputShut());
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
        if (clientInputShut) {
            enter(PreAuthState.DONE);
            ctx.flush().close();
            return false;
        }
        if (refused && ++refusedLogins >= settings.limits().maxLoginAttempts()) {
            settings.metrics().limitHit("max_login_attempts");
            closeWithBye("Too many failed logins, disconnecting");
            return false;
        }
        ctx.flush();
        enter(PreAuthState.COMMANDS);
        return true;
    }

    /** Ends the session from our side: {@code * BYE}, flush, close. */
    void closeWithBye(String text) {
        if (state == PreAuthState.DONE && !ctx.channel().isActive()) {
            return;
        }
        enter(PreAuthState.DONE);
        framer.pause();
        ctx.writeAndFlush(ImapResponse.untagged("BYE " + text)).addListener(ChannelFutureListener.CLOSE);
    }

    /** The one place the state changes: leaving a login in flight any other way than its answer abandons it. */
    private void enter(PreAuthState next) {
        if (state instanceof PreAuthState.LoggingIn in && next != state) {
            in.login().abandon();
        }
        state = next;
        if (next == PreAuthState.DONE && loginDeadline != null) {
            loginDeadline.cancel(false);
            loginDeadline = null;
        }
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
        } else {
            LOG.info("[{}] closing after error: {}", id(), HandshakeFailures.describe(cause));
        }
        enter(PreAuthState.DONE);
        ctx.close();
    }
}
