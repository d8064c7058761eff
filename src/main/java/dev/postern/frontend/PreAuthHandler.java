package dev.postern.frontend;

import dev.postern.config.TlsMode;
import dev.postern.imap.Capabilities;
import dev.postern.imap.CommandFrame;
import dev.postern.imap.CommandParser;
import dev.postern.imap.Credentials;
import dev.postern.imap.FramerEvent;
import dev.postern.imap.ImapArg;
import dev.postern.imap.ImapCommand;
import dev.postern.imap.ImapCommandFramer;
import dev.postern.imap.ImapResponse;
import dev.postern.imap.ImapSyntaxException;
import dev.postern.imap.SaslPlain;
import dev.postern.relay.Handoff;
import dev.postern.session.LoginResult;
import dev.postern.session.PipelineNames;
import dev.postern.session.ProxyFailure;
import dev.postern.session.ProxyFailureException;
import dev.postern.session.SessionContext;
import dev.postern.tls.HandshakeFailures;
import dev.postern.tls.TlsSessions;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.DuplexChannel;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.ScheduledFuture;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The not-authenticated state of one client connection: answers pre-auth commands itself, runs STARTTLS, takes
 * the credentials of LOGIN or AUTHENTICATE PLAIN to a backend through the {@code BackendGateway}, and on success
 * hands the connection over to the relay. While a login runs the client is not read; what it pipelined stays in
 * the framer, in order, and reaches the backend after the hand-off (or is framed here after a failed login).
 */
public final class PreAuthHandler extends ChannelInboundHandlerAdapter {
    private static final Logger LOG = LoggerFactory.getLogger(PreAuthHandler.class);

    /** Authenticated- and selected-state commands: a clearer reply than "unknown". */
    private static final Set<String> NEEDS_LOGIN = Set.of("SELECT", "EXAMINE", "CREATE", "DELETE", "RENAME",
            "SUBSCRIBE", "UNSUBSCRIBE", "LIST", "LSUB", "NAMESPACE", "STATUS", "APPEND", "IDLE", "CHECK", "CLOSE",
            "UNSELECT", "EXPUNGE", "SEARCH", "FETCH", "STORE", "COPY", "MOVE", "UID", "ENABLE", "GETQUOTA",
            "GETQUOTAROOT", "SETQUOTA", "GETACL", "SETACL", "MYRIGHTS", "LISTRIGHTS", "GETMETADATA", "SETMETADATA",
            "COMPRESS", "NOTIFY", "SORT", "THREAD", "ESEARCH");

    private enum State { COMMANDS, AUTH_CONTINUATION, LOGGING_IN, DONE }

    private final FrontendSettings settings;
    private final ImapCommandFramer framer;
    private SessionContext session;
    private State state = State.COMMANDS;
    private boolean tlsActive;
    private int commands;
    private int badCommands;
    private int failedLogins;
    private String authTag;
    private ScheduledFuture<?> loginDeadline;
    private boolean clientInputShut;
    /** The backend login in flight; cancelled when the client goes away so the backend is not logged in for nobody. */
    private Future<LoginResult> loginFuture;

    public PreAuthHandler(FrontendSettings settings, ImapCommandFramer framer) {
        this.settings = settings;
        this.framer = framer;
        this.tlsActive = settings.listener().tls() == TlsMode.IMPLICIT;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        session = ctx.channel().attr(SessionContext.KEY).get();
        Duration login = settings.timeouts().login();
        loginDeadline = ctx.executor().schedule(() -> closeWithBye(ctx, "Login timeout, disconnecting"),
                login.toMillis(), TimeUnit.MILLISECONDS);
        if (settings.listener().tls() != TlsMode.IMPLICIT) {
            ctx.writeAndFlush(greeting());
        }
        ctx.fireChannelActive();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        state = State.DONE;
        cancelDeadline();
        if (loginFuture != null && !loginFuture.isDone()) {
            loginFuture.cancel(false);
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof SslHandshakeCompletionEvent done) {
            onHandshake(ctx, done);
        } else if (evt instanceof ChannelInputShutdownEvent) {
            // The client sent FIN. Commands before it were framed and answered already; a login still running
            // finishes, and the half-close then travels on to the backend. Otherwise nothing more can come.
            clientInputShut = true;
            if (state != State.LOGGING_IN) {
                state = State.DONE;
                cancelDeadline();
                ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
            }
        } else if (evt instanceof IdleStateEvent) {
            if (state != State.LOGGING_IN) {
                settings.metrics().limitHit("pre_auth_idle");
                closeWithBye(ctx, "Idle for too long before login, disconnecting");
            }
        }
        ReferenceCountUtil.release(evt);
    }

    private void onHandshake(ChannelHandlerContext ctx, SslHandshakeCompletionEvent done) {
        String listener = settings.listener().name();
        if (done.isSuccess()) {
            settings.metrics().tlsHandshake(listener, "ok", "none");
            SslHandler ssl = ctx.pipeline().get(SslHandler.class);
            if (ssl != null && Boolean.TRUE.equals(TlsSessions.resumed(ssl.engine()))) {
                settings.metrics().tlsResumed(listener);
            }
            if (settings.listener().tls() == TlsMode.IMPLICIT) {
                ctx.writeAndFlush(greeting());
            }
            return;
        }
        String reason = HandshakeFailures.reason(done.cause());
        settings.metrics().tlsHandshake(listener, reason.equals("timeout") ? "timeout" : "failed", reason);
        LOG.info("[{}] TLS handshake with {} failed ({}): {}", id(), session == null ? "?" : session.clientText(),
                reason, HandshakeFailures.describe(done.cause()));
        state = State.DONE;
        ctx.close();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (state == State.DONE) {
            if (msg instanceof CommandFrame frame) {
                frame.wipe();
            }
            ReferenceCountUtil.release(msg);
            return;
        }
        if (msg instanceof CommandFrame frame) {
            try {
                onCommand(ctx, frame);
            } finally {
                frame.wipe();
            }
        } else if (msg instanceof FramerEvent.LiteralAnnounced announced) {
            if (loginAllowed()) {
                ctx.writeAndFlush(ImapResponse.continuation("Ready for literal data"));
            } else {
                // Before STARTTLS on a TLS-only listener a literal can only be a credential on its way in the
                // clear: never invite it. (No pre-auth command needs one there.)
                framer.rejectAnnouncedLiteral();
                ctx.writeAndFlush(ImapResponse.tagged(announced.tag(), "NO",
                        "[PRIVACYREQUIRED] Literals are not accepted before STARTTLS"));
                countBad(ctx);
            }
        } else if (msg instanceof FramerEvent.ClientResponse response) {
            onClientResponse(ctx, response.line());
        } else if (msg instanceof FramerEvent.Violation violation) {
            settings.metrics().limitHit(violation.kind().name().toLowerCase(java.util.Locale.ROOT));
            LOG.info("[{}] closing: {}", id(), violation.text());
            ctx.write(ImapResponse.tagged(violation.tag(), "BAD", violation.text()));
            closeWithBye(ctx, "Too much invalid input, disconnecting");
        } else {
            ReferenceCountUtil.release(msg);
        }
    }

    private void onCommand(ChannelHandlerContext ctx, CommandFrame frame) {
        if (++commands > settings.limits().maxCommands()) {
            settings.metrics().limitHit("max_commands");
            ctx.write(ImapResponse.tagged(tagOrStar(frame), "NO", "[LIMIT] Too many commands before login"));
            closeWithBye(ctx, "Too many commands, disconnecting");
            return;
        }
        ImapCommand command;
        try {
            command = CommandParser.parse(frame);
        } catch (ImapSyntaxException e) {
            bad(ctx, e.tag(), "Error in IMAP command: " + e.getMessage());
            return;
        }
        String tag = command.tag();
        List<ImapArg> args = command.args();
        switch (command.name()) {
            case "CAPABILITY" -> {
                if (noArgs(ctx, command)) {
                    ctx.write(ImapResponse.untagged("CAPABILITY " + capabilities()));
                    ctx.writeAndFlush(ImapResponse.tagged(tag, "OK", "Capability completed."));
                }
            }
            case "NOOP" -> {
                if (noArgs(ctx, command)) {
                    ctx.writeAndFlush(ImapResponse.tagged(tag, "OK", "NOOP completed."));
                }
            }
            case "LOGOUT" -> {
                if (noArgs(ctx, command)) {
                    state = State.DONE;
                    ctx.write(ImapResponse.untagged("BYE Logging out"));
                    ctx.writeAndFlush(ImapResponse.tagged(tag, "OK", "Logout completed."))
                            .addListener(ChannelFutureListener.CLOSE);
                }
            }
            case "ID" -> onId(ctx, command);
            case "STARTTLS" -> onStartTls(ctx, command);
            case "LOGIN" -> onLogin(ctx, command);
            case "AUTHENTICATE" -> onAuthenticate(ctx, command);
            default -> bad(ctx, tag, NEEDS_LOGIN.contains(command.name())
                    ? "Command not permitted before login" : "Unknown command " + printable(command.name()));
        }
    }

    private boolean noArgs(ChannelHandlerContext ctx, ImapCommand command) {
        if (command.args().isEmpty()) {
            return true;
        }
        bad(ctx, command.tag(), command.name() + " takes no arguments");
        return false;
    }

    /** RFC 2971: NIL or a list of at most 30 field/value pairs; field names up to 30 octets, values up to 1024. */
    private void onId(ChannelHandlerContext ctx, ImapCommand command) {
        List<ImapArg> args = command.args();
        String error = null;
        if (args.size() != 1) {
            error = "ID takes one argument";
        } else if (args.get(0) instanceof ImapArg.ParenList list) {
            List<ImapArg> items = list.items();
            if (items.size() % 2 != 0 || items.size() > 60) {
                error = "ID list must hold at most 30 field/value pairs";
            } else {
                for (int i = 0; i < items.size() && error == null; i++) {
                    ImapArg item = items.get(i);
                    boolean field = i % 2 == 0;
                    if (field && !(item instanceof ImapArg.Str s && s.value().length <= 30)) {
                        error = "ID field names are strings of at most 30 octets";
                    } else if (!field && !(item instanceof ImapArg.Nil)
                            && !(item instanceof ImapArg.Str s && s.value().length <= 1024)) {
                        error = "ID values are NIL or strings of at most 1024 octets";
                    }
                }
            }
        } else if (!(args.get(0) instanceof ImapArg.Nil)) {
            error = "ID takes a list or NIL";
        }
        if (error != null) {
            bad(ctx, command.tag(), error);
            return;
        }
        ctx.write(ImapResponse.untagged("ID NIL"));
        ctx.writeAndFlush(ImapResponse.tagged(command.tag(), "OK", "ID completed."));
    }

    /**
     * RFC 2595 / RFC 9051 6.2.1. The TLS handler goes in first, then the OK is written (in plaintext, the
     * handler's startTls flag); every byte the client sent after the STARTTLS line is thrown away, and whatever
     * it sends before its ClientHello fails the handshake: no plaintext command survives the upgrade.
     */
    private void onStartTls(ChannelHandlerContext ctx, ImapCommand command) {
        if (settings.listener().tls() != TlsMode.STARTTLS || tlsActive) {
            bad(ctx, command.tag(), tlsActive ? "TLS is already active" : "STARTTLS is not available here");
            return;
        }
        if (!noArgs(ctx, command)) {
            return;
        }
        int dropped = framer.discardBuffered();
        if (dropped > 0) {
            LOG.info("[{}] discarded {} octets sent after STARTTLS before the TLS handshake", id(), dropped);
            settings.metrics().limitHit("starttls_injection");
        }
        ctx.pipeline().addFirst(PipelineNames.TLS, settings.tls().newClientHelloHandler(settings.listener(), settings.metrics()));
        tlsActive = true;
        ctx.writeAndFlush(ImapResponse.tagged(command.tag(), "OK", "Begin TLS negotiation now"));
    }

    private boolean loginAllowed() {
        return tlsActive || !settings.listener().requireTls();
    }

    private boolean refuseWithoutTls(ChannelHandlerContext ctx, String tag) {
        if (loginAllowed()) {
            return false;
        }
        ctx.writeAndFlush(ImapResponse.tagged(tag, "NO",
                "[PRIVACYREQUIRED] Plaintext authentication disallowed, use STARTTLS first"));
        countBad(ctx);
        return true;
    }

    private void onLogin(ChannelHandlerContext ctx, ImapCommand command) {
        if (refuseWithoutTls(ctx, command.tag())) {
            return;
        }
        List<ImapArg> args = command.args();
        byte[] user = args.size() == 2 ? args.get(0).astringBytes() : null;
        byte[] password = args.size() == 2 ? args.get(1).astringBytes() : null;
        if (user == null || password == null) {
            bad(ctx, command.tag(), "LOGIN expects a user name and a password");
            return;
        }
        startLogin(ctx, command.tag(), new Credentials(user, password));
        java.util.Arrays.fill(password, (byte) 0);
    }

    private void onAuthenticate(ChannelHandlerContext ctx, ImapCommand command) {
        if (refuseWithoutTls(ctx, command.tag())) {
            return;
        }
        List<ImapArg> args = command.args();
        if (args.isEmpty() || args.size() > 2 || !(args.get(0) instanceof ImapArg.Atom mechanism)) {
            bad(ctx, command.tag(), "AUTHENTICATE expects a mechanism and an optional initial response");
            return;
        }
        if (!mechanism.value().equalsIgnoreCase("PLAIN")) {
            ctx.writeAndFlush(ImapResponse.tagged(command.tag(), "NO", "Unsupported authentication mechanism"));
            countBad(ctx);
            return;
        }
        if (args.size() == 2) {
            byte[] initial = args.get(1).astringBytes();
            if (initial == null) {
                bad(ctx, command.tag(), "Invalid initial response");
                return;
            }
            // RFC 4959: "=" is an empty initial response.
            saslResponse(ctx, command.tag(), initial.length == 1 && initial[0] == '=' ? new byte[0] : initial);
            return;
        }
        authTag = command.tag();
        state = State.AUTH_CONTINUATION;
        framer.expectClientResponse();
        ctx.writeAndFlush(new ImapResponse("+ "));
    }

    private void onClientResponse(ChannelHandlerContext ctx, byte[] line) {
        if (state != State.AUTH_CONTINUATION) {
            return;
        }
        state = State.COMMANDS;
        String tag = authTag;
        authTag = null;
        if (line.length == 1 && line[0] == '*') {
            ctx.writeAndFlush(ImapResponse.tagged(tag, "BAD", "Authentication cancelled"));
            countBad(ctx);
            return;
        }
        saslResponse(ctx, tag, line);
    }

    private void saslResponse(ChannelHandlerContext ctx, String tag, byte[] base64) {
        Credentials credentials;
        try {
            credentials = SaslPlain.decode(base64);
        } catch (SaslPlain.InvalidResponse e) {
            bad(ctx, tag, e.getMessage());
            return;
        } finally {
            java.util.Arrays.fill(base64, (byte) 0);
        }
        startLogin(ctx, tag, credentials);
    }

    private void startLogin(ChannelHandlerContext ctx, String tag, Credentials credentials) {
        String unsendable = credentials.unsendableReason();
        if (unsendable != null) {
            credentials.wipe();
            LOG.info("[{}] login refused before any backend: {}", id(), unsendable);
            loginFailed(ctx, tag, "[AUTHENTICATIONFAILED] Invalid characters in user name or password");
            return;
        }
        state = State.LOGGING_IN;
        framer.pause();
        ctx.channel().config().setAutoRead(false);
        long started = System.nanoTime();
        String user = credentials.userName();
        loginFuture = settings.gateway().login(session, credentials, failedLogins + 1, ctx.channel().eventLoop());
        loginFuture.addListener((Future<LoginResult> f) -> onLoginDone(ctx, tag, user, credentials, started, f));
    }

    private void onLoginDone(ChannelHandlerContext ctx, String tag, String user, Credentials credentials, long started,
                             Future<LoginResult> result) {
        credentials.wipe();
        Duration took = Duration.ofNanos(System.nanoTime() - started);
        if (state != State.LOGGING_IN || !ctx.channel().isActive()) {
            if (result.isSuccess() && result.getNow() instanceof LoginResult.LoggedIn in) {
                in.backend().close();
            }
            return;
        }
        if (!result.isSuccess()) {
            ProxyFailureException failure = ProxyFailureException.of(result.cause(), ProxyFailure.INTERNAL, "login");
            settings.metrics().login(failure.failure(), took);
            LOG.warn("[{}] login for {} from {} failed ({}): {}", id(), user, session.clientText(),
                    failure.failure().tag(), failure.getMessage());
            loginFailed(ctx, tag, failure.failure().clientText());
            return;
        }
        LoginResult outcome = result.getNow();
        if (outcome instanceof LoginResult.Rejected rejected) {
            settings.metrics().loginRejected();
            settings.metrics().login(ProxyFailure.AUTH_REJECTED, took);
            LOG.info("[{}] login for {} from {} refused by the backend", id(), user, session.clientText());
            loginFailed(ctx, tag, rejected.text());
            return;
        }
        LoginResult.LoggedIn in = (LoginResult.LoggedIn) outcome;
        settings.metrics().login(null, took);
        LOG.info("[{}] {} from {} logged in on {} in {} ms", id(), user, session.clientText(), in.backendName(),
                took.toMillis());
        state = State.DONE;
        cancelDeadline();
        ctx.writeAndFlush(ImapResponse.tagged(tag, "OK",
                "[CAPABILITY " + String.join(" ", in.capabilities()) + "] Logged in"));
        settings.metrics().relayStarted();
        ctx.channel().closeFuture().addListener(f -> settings.metrics().relayEnded());
        Handoff.start(ctx.channel(), PipelineNames.FRONT_LOGIN_PHASE, in.backend(), PipelineNames.BACKEND_LOGIN_PHASE,
                settings.timeouts().postLoginIdle(), id());
        if (clientInputShut && in.backend() instanceof DuplexChannel backend) {
            // After what the client pipelined has been written: shutting output drops unflushed data.
            backend.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(f -> backend.shutdownOutput());
        }
    }

    /** A NO to a login; the client may try again until it has failed {@code maxLoginAttempts} times. */
    private void loginFailed(ChannelHandlerContext ctx, String tag, String text) {
        ctx.write(ImapResponse.tagged(tag, "NO", text));
        if (clientInputShut) {
            state = State.DONE;
            ctx.flush().close();
            return;
        }
        if (++failedLogins >= settings.limits().maxLoginAttempts()) {
            settings.metrics().limitHit("max_login_attempts");
            closeWithBye(ctx, "Too many failed logins, disconnecting");
            return;
        }
        ctx.flush();
        state = State.COMMANDS;
        ctx.channel().config().setAutoRead(true);
        framer.resume();
    }

    private void bad(ChannelHandlerContext ctx, String tag, String text) {
        ctx.writeAndFlush(ImapResponse.tagged(tag, "BAD", text));
        countBad(ctx);
    }

    private void countBad(ChannelHandlerContext ctx) {
        if (++badCommands >= settings.limits().maxBadCommands()) {
            settings.metrics().limitHit("max_bad_commands");
            closeWithBye(ctx, "Too many invalid commands, disconnecting");
        }
    }

    /** Ends the session from our side: {@code * BYE}, flush, close. Also used by shutdown. */
    public void closeWithBye(ChannelHandlerContext ctx, String text) {
        if (state == State.DONE && !ctx.channel().isActive()) {
            return;
        }
        state = State.DONE;
        cancelDeadline();
        framer.pause();
        ctx.writeAndFlush(ImapResponse.untagged("BYE " + text)).addListener(ChannelFutureListener.CLOSE);
    }

    private ImapResponse greeting() {
        return ImapResponse.untagged("OK [CAPABILITY " + capabilities() + "] " + settings.greeting());
    }

    private String capabilities() {
        boolean startTls = settings.listener().tls() == TlsMode.STARTTLS && !tlsActive;
        return Capabilities.preAuth(startTls, loginAllowed());
    }

    private void cancelDeadline() {
        if (loginDeadline != null) {
            loginDeadline.cancel(false);
            loginDeadline = null;
        }
    }

    private String id() {
        return session == null ? "-" : session.id();
    }

    private static String tagOrStar(CommandFrame frame) {
        try {
            return CommandParser.parse(frame).tag();
        } catch (ImapSyntaxException e) {
            return e.tag();
        }
    }

    /** A command name for a reply: only letters, digits and dashes, at most 32, so nothing odd is echoed. */
    private static String printable(String name) {
        String clean = name.length() > 32 ? name.substring(0, 32) : name;
        return new String(clean.getBytes(StandardCharsets.US_ASCII), StandardCharsets.US_ASCII);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof io.netty.handler.codec.DecoderException && cause.getCause() instanceof javax.net.ssl.SSLException) {
            LOG.debug("[{}] TLS error: {}", id(), HandshakeFailures.describe(cause));
        } else {
            LOG.info("[{}] closing after error: {}", id(), HandshakeFailures.describe(cause));
        }
        state = State.DONE;
        cancelDeadline();
        ctx.close();
    }
}
