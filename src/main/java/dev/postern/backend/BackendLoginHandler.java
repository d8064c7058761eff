package dev.postern.backend;

import dev.postern.config.HostPort;
import dev.postern.config.TlsMode;
import dev.postern.imap.Capabilities;
import dev.postern.imap.Credentials;
import dev.postern.imap.ImapQuoting;
import dev.postern.imap.ResponseLine;
import dev.postern.imap.SaslBearer;
import dev.postern.imap.SaslPlain;
import dev.postern.imap.SecretBytes;
import dev.postern.session.LoginResult;
import dev.postern.session.PipelineNames;
import dev.postern.session.ProxyFailure;
import dev.postern.session.ProxyFailureException;
import dev.postern.tls.BackendTls;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.util.concurrent.Promise;
import io.netty.util.concurrent.ScheduledFuture;
import java.nio.channels.ClosedChannelException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLException;

/**
 * One login on one backend, as a one-shot state machine over response lines. Fixed tags (P0 STARTTLS,
 * P1 capability, P2 login, P3 post-login capability, P9 logout) as Dovecot's proxy does. Completes {@code promise}
 * once: LoggedIn, Rejected (the backend's NO, response code kept), or a {@link ProxyFailureException} naming the
 * state reached and saying whether our login command had been written (from then on the failure belongs to this
 * login: see {@link RoutedLogin}). A BAD to our own login is a backend protocol failure, not a wrong password.
 * Reads only while it waits for a line; after success it leaves the channel alone for the hand-off.
 *
 * <p>TLS to the backend: with implicit TLS the handshake (its handler is first in the pipeline) ends before the
 * greeting can be read. With STARTTLS: greeting, capabilities, {@code P0 STARTTLS}; on {@code P0 OK} (nothing may
 * follow it in plaintext) the TLS handler goes first in the pipeline, and after the handshake the capabilities are
 * asked for again, those learnt before TLS forgotten (RFC 2595 3.1). A failed handshake or check is a
 * {@link ProxyFailure#TLS} failure saying why.
 */
final class BackendLoginHandler extends SimpleChannelInboundHandler<ByteBuf> {
    /** LITERAL- allows non-synchronizing literals up to this many octets (RFC 7888). */
    private static final int LITERAL_MINUS_MAX = 4096;

    private enum State { GREETING, CAPABILITY, STARTTLS, TLS_HANDSHAKE, LOGIN, POST_CAPABILITY, DONE }

    private final Credentials credentials;
    private final Promise<LoginResult> promise;
    private final HostPort backend;
    private final String backendName;
    private final Duration timeout;
    private final BackendTls tls;
    /** The ID command a {@code forward: id} pool sends just before our login, or null. */
    private final String idCommand;
    /** Parts of our login command not yet sent: each waits for the backend's {@code +} continuation. */
    private final Deque<byte[]> pendingParts = new ArrayDeque<>();
    /** Untagged status lines sent in answer to our login, for the client. */
    private final BackendNotices notices = new BackendNotices();
    private State state = State.GREETING;
    private boolean tlsUp;
    private List<String> capabilities;
    private String postLoginCapabilities;
    private ScheduledFuture<?> timer;

    /**
     * @param backend where the channel connects (its name in failures, and the TLS server name)
     * @param timeout from channel active to the end of the login
     * @param tls the backend's pool TLS, or null for plaintext; with implicit TLS its handler is in the pipeline
     */
    BackendLoginHandler(Credentials credentials, Promise<LoginResult> promise, HostPort backend, Duration timeout,
                        BackendTls tls, String idCommand) {
        this.idCommand = idCommand;
        this.credentials = credentials;
        this.promise = promise;
        this.backend = backend;
        this.backendName = backend.toString();
        this.timeout = timeout;
        this.tls = tls == null || tls.mode() == TlsMode.NONE ? null : tls;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        timer = ctx.executor().schedule(() -> fail(ctx, ProxyFailure.TIMEOUT,
                "no answer from " + backendName + " within " + timeout.toMillis() + " ms"),
                timeout.toMillis(), TimeUnit.MILLISECONDS);
        ctx.read();
        ctx.fireChannelActive();
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, ByteBuf msg) {
        if (state == State.DONE) {
            return;
        }
        ResponseLine line = ResponseLine.parse(msg.toString(StandardCharsets.UTF_8));
        if (state != State.GREETING && line.untagged() && line.status().equals("BYE")) {
            fail(ctx, ProxyFailure.CONNECT, backendName + " closed the connection with BYE: " + bounded(line.text()));
            return;
        }
        switch (state) {
            case GREETING -> onGreeting(ctx, line);
            case CAPABILITY -> onCapability(ctx, line);
            case STARTTLS -> onStartTlsReply(ctx, line);
            case TLS_HANDSHAKE -> fail(ctx, ProxyFailure.PROTOCOL, backendName
                    + " sent data after its STARTTLS OK, before the TLS handshake (discarded)");
            case LOGIN -> onLoginReply(ctx, line);
            case POST_CAPABILITY -> onPostCapability(ctx, line);
            default -> { }
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (state != State.DONE) {
            ctx.read();
        }
        ctx.fireChannelReadComplete();
    }

    private void onGreeting(ChannelHandlerContext ctx, ResponseLine line) {
        if (line.untagged() && line.status().equals("OK")) {
            String caps = line.capabilityCode();
            if (caps == null) {
                state = State.CAPABILITY;
                send(ctx, "P1 CAPABILITY\r\n");
            } else {
                capabilities = Capabilities.split(caps);
                afterCapabilities(ctx);
            }
        } else if (line.untagged() && line.status().equals("BYE")) {
            fail(ctx, ProxyFailure.CONNECT, backendName + " refused the connection: " + bounded(line.text()));
        } else {
            fail(ctx, ProxyFailure.PROTOCOL, backendName + " sent no '* OK' greeting (got " + describe(line) + ")");
        }
    }

    private void onCapability(ChannelHandlerContext ctx, ResponseLine line) {
        if (line.untagged() && line.status().equals("CAPABILITY")) {
            capabilities = Capabilities.split(line.text());
        } else if (line.tag().equals("P1")) {
            if (line.status().equals("OK") && capabilities != null) {
                afterCapabilities(ctx);
            } else {
                fail(ctx, ProxyFailure.PROTOCOL, backendName + " answered CAPABILITY with " + describe(line));
            }
        }
    }

    /** Capabilities known: STARTTLS first when the pool says so and TLS is not up yet, else log in. */
    private void afterCapabilities(ChannelHandlerContext ctx) {
        if (tls == null || tls.mode() != TlsMode.STARTTLS || tlsUp) {
            login(ctx);
        } else if (!Capabilities.has(capabilities, "STARTTLS")) {
            fail(ctx, ProxyFailure.TLS, "backend " + backendName + " does not offer STARTTLS (" + tls.setting() + ")");
        } else {
            state = State.STARTTLS;
            send(ctx, "P0 STARTTLS\r\n");
        }
    }

    private void onStartTlsReply(ChannelHandlerContext ctx, ResponseLine line) {
        if (!line.tag().equals("P0")) {
            return;
        }
        if (!line.status().equals("OK")) {
            fail(ctx, ProxyFailure.TLS, backendName + " refused STARTTLS: " + describe(line));
            return;
        }
        int leftover = ctx.pipeline().get(PipelineNames.RESP_FRAMER) instanceof ResponseLineFramer framer
                ? framer.buffered() : 0;
        if (leftover > 0) {
            fail(ctx, ProxyFailure.PROTOCOL, backendName + " sent " + leftover + " bytes after its STARTTLS OK, "
                    + "before the TLS handshake (discarded)");
            return;
        }
        // What was learnt in plaintext is forgotten; it is asked for again over TLS.
        capabilities = null;
        state = State.TLS_HANDSHAKE;
        ctx.pipeline().addFirst(PipelineNames.BACKEND_TLS, tls.newHandler(ctx.alloc(), backend));
    }

    private void onHandshake(ChannelHandlerContext ctx, SslHandshakeCompletionEvent event) {
        if (state == State.DONE) {
            return;
        }
        if (!event.isSuccess()) {
            fail(ctx, ProxyFailure.TLS, tlsFailure(event.cause()));
            return;
        }
        tlsUp = true;
        if (state == State.TLS_HANDSHAKE) {
            state = State.CAPABILITY;
            send(ctx, "P1 CAPABILITY\r\n");
        }
    }

    /** "TLS to host:port failed: reason"; with a null cause, the text up to the reason. */
    private String tlsFailure(Throwable cause) {
        String name = tls == null ? backend.host() : tls.serverName(backend);
        return "TLS to " + backendName + (name.equals(backend.host()) ? "" : " (as " + name + ")") + " failed: "
                + (cause == null ? "" : BackendTls.failureReason(cause));
    }

    /**
     * Sends our login: the client's token in its own mechanism, or a password (or master login) by AUTHENTICATE
     * PLAIN or LOGIN (non-synchronizing literals as far as LITERAL+ or LITERAL- allow). From here on the
     * credentials count as sent.
     */
    private void login(ChannelHandlerContext ctx) {
        if (idCommand != null) {
            // Pipelined with the login, as Dovecot's proxy does: its answer (* ID, P4 OK/NO) is not waited for.
            send(ctx, idCommand);
        }
        String refusal = credentials.kind().bearer() ? bearerLogin() : passwordLogin();
        if (refusal != null) {
            fail(ctx, ProxyFailure.PROTOCOL, backendName + " " + refusal);
            return;
        }
        state = State.LOGIN;
        sendNextPart(ctx);
    }

    /**
     * AUTHENTICATE PLAIN (with SASL-IR when offered, else after the {@code +}), else LOGIN with quoted strings or
     * literals; the reason when the backend offers neither, else null.
     */
    private String passwordLogin() {
        if (Capabilities.has(capabilities, "AUTH=PLAIN")) {
            authenticate("PLAIN", SaslPlain.encode(credentials));
        } else if (!Capabilities.has(capabilities, "LOGINDISABLED") && credentials.authzid().length == 0) {
            long nonSync = Capabilities.has(capabilities, "LITERAL+") ? Long.MAX_VALUE
                    : Capabilities.has(capabilities, "LITERAL-") ? LITERAL_MINUS_MAX : 0;
            byte[] password = credentials.password();
            pendingParts.addAll(ImapQuoting.command("P2 LOGIN", nonSync, credentials.user(), password));
            Arrays.fill(password, (byte) 0);
        } else {
            return credentials.authzid().length > 0
                    ? "offers no AUTH=PLAIN, which a master login acting as the user needs"
                    : "offers no login Postern can use (LOGINDISABLED and no AUTH=PLAIN: does it require TLS?)";
        }
        return null;
    }

    /** The client's token, unchanged, in the client's mechanism (pass-through); the reason when not offered. */
    private String bearerLogin() {
        String mechanism = credentials.kind().name();
        if (!Capabilities.has(capabilities, "AUTH=" + mechanism)) {
            return "offers no AUTH=" + mechanism + " for the client's token (pass-through needs it; or set "
                    + "auth.oauth to verify tokens in Postern)";
        }
        authenticate(mechanism, SaslBearer.encode(credentials));
        return null;
    }

    /** AUTHENTICATE with SASL-IR when offered, else the response after the {@code +}; wipes {@code response}. */
    private void authenticate(String mechanism, byte[] response) {
        String command = "P2 AUTHENTICATE " + mechanism;
        if (Capabilities.has(capabilities, "SASL-IR")) {
            pendingParts.add(line((command + " ").getBytes(StandardCharsets.US_ASCII), response));
        } else {
            pendingParts.add((command + "\r\n").getBytes(StandardCharsets.US_ASCII));
            pendingParts.add(line(new byte[0], response));
        }
        Arrays.fill(response, (byte) 0);
    }

    private void onLoginReply(ChannelHandlerContext ctx, ResponseLine line) {
        if (line.continuation()) {
            if (pendingParts.isEmpty() && credentials.kind().bearer()) {
                // The token was refused: the error JSON is the challenge; the mechanism's dummy reply (RFC 7628
                // 3.2.3: ^A; XOAUTH2: an empty line) brings the tagged NO.
                send(ctx, credentials.kind() == Credentials.Kind.OAUTHBEARER ? "AQ==\r\n" : "\r\n");
            } else if (pendingParts.isEmpty()) {
                // A challenge we did not expect: cancel the exchange (RFC 9051 6.2.2), the tagged reply follows.
                send(ctx, "*\r\n");
            } else {
                sendNextPart(ctx);
            }
        } else if (line.untagged()) {
            // Capabilities are ours; status lines (ALERT, ...) go to the client before its tagged reply.
            if (line.status().equals("CAPABILITY")) {
                postLoginCapabilities = line.text();
            } else if (!line.status().equals("ID")) { // the answer to our own ID is ours too
                notices.offer(line);
            }
        } else if (line.tag().equals("P2")) {
            wipePending();
            switch (line.status()) {
                case "OK" -> {
                    String caps = line.capabilityCode();
                    if (caps != null) {
                        postLoginCapabilities = caps;
                    }
                    if (postLoginCapabilities != null) {
                        succeed(ctx);
                    } else {
                        state = State.POST_CAPABILITY;
                        send(ctx, "P3 CAPABILITY\r\n");
                    }
                }
                case "NO" -> reject(ctx, line.code() == null
                        ? "[AUTHENTICATIONFAILED] " + line.text() : "[" + line.code() + "] " + line.text());
                default -> fail(ctx, ProxyFailure.PROTOCOL, backendName + " answered our login with " + describe(line));
            }
        }
    }

    private void onPostCapability(ChannelHandlerContext ctx, ResponseLine line) {
        if (line.untagged() && line.status().equals("CAPABILITY")) {
            postLoginCapabilities = line.text();
        } else if (line.untagged()) {
            notices.offer(line);
        } else if (line.tag().equals("P3")) {
            if (line.status().equals("OK") && postLoginCapabilities != null) {
                succeed(ctx);
            } else {
                fail(ctx, ProxyFailure.PROTOCOL, backendName + " answered post-login CAPABILITY with " + describe(line));
            }
        }
    }

    private void sendNextPart(ChannelHandlerContext ctx) {
        byte[] part = pendingParts.poll();
        if (part != null) {
            // The part holds the password: zeroed when the transport (or the TLS handler) releases the buffer.
            ctx.writeAndFlush(SecretBytes.wrap(part));
        }
    }

    private void send(ChannelHandlerContext ctx, String command) {
        ctx.writeAndFlush(Unpooled.copiedBuffer(command, StandardCharsets.US_ASCII));
    }

    private void succeed(ChannelHandlerContext ctx) {
        state = State.DONE;
        cancelTimer();
        promise.trySuccess(new LoginResult.LoggedIn(ctx.channel(), backendName,
                Capabilities.postLogin(postLoginCapabilities), notices.lines()));
    }

    private void reject(ChannelHandlerContext ctx, String text) {
        state = State.DONE;
        cancelTimer();
        promise.trySuccess(new LoginResult.Rejected(text, notices.lines()));
        // Log out politely; the connection is of no further use.
        ctx.writeAndFlush(Unpooled.copiedBuffer("P9 LOGOUT\r\n", StandardCharsets.US_ASCII))
                .addListener(ChannelFutureListener.CLOSE);
    }

    private void fail(ChannelHandlerContext ctx, ProxyFailure failure, String detail) {
        if (state == State.DONE) {
            return;
        }
        State reached = state;
        state = State.DONE;
        cancelTimer();
        wipePending();
        boolean credentialsSent = reached == State.LOGIN || reached == State.POST_CAPABILITY;
        promise.tryFailure(new ProxyFailureException(failure, detail + " [login state "
                + reached.name().toLowerCase() + "]", null, credentialsSent));
        ctx.close();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof SslHandshakeCompletionEvent handshake) {
            onHandshake(ctx, handshake);
        } else if (evt instanceof ChannelInputShutdownEvent) {
            failClosed(ctx);
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        failClosed(ctx);
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof TooLongFrameException) {
            fail(ctx, ProxyFailure.PROTOCOL, backendName + " sent a line over the backend line limit");
        } else if (tls != null && isTlsFailure(cause)) {
            fail(ctx, ProxyFailure.TLS, tlsFailure(cause));
        } else {
            fail(ctx, ProxyFailure.CONNECT, backendName + ": " + cause);
        }
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        cancelTimer();
        wipePending();
    }

    private void cancelTimer() {
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
    }

    private void wipePending() {
        pendingParts.forEach(b -> Arrays.fill(b, (byte) 0));
        pendingParts.clear();
    }

    /** The backend closed: during a TLS handshake that is a TLS failure (a protocol or cipher it refuses, say). */
    private void failClosed(ChannelHandlerContext ctx) {
        if (state != State.DONE && ctx.pipeline().get(PipelineNames.BACKEND_TLS) instanceof SslHandler ssl
                && !ssl.handshakeFuture().isSuccess()) {
            Throwable cause = ssl.handshakeFuture().cause();
            fail(ctx, ProxyFailure.TLS, cause != null && !(cause instanceof ClosedChannelException)
                    ? tlsFailure(cause)
                    : tlsFailure(null) + "the backend closed the connection during the handshake "
                            + "(does it accept the pool's protocols and ciphers?)");
        } else {
            fail(ctx, ProxyFailure.CONNECT, backendName + " closed the connection");
        }
    }

    private static boolean isTlsFailure(Throwable cause) {
        for (Throwable t = cause; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof SSLException) {
                return true;
            }
        }
        return false;
    }

    /** {@code prefix payload CRLF} in a fresh array (the caller wipes {@code payload}). */
    private static byte[] line(byte[] prefix, byte[] payload) {
        byte[] out = new byte[prefix.length + payload.length + 2];
        System.arraycopy(prefix, 0, out, 0, prefix.length);
        System.arraycopy(payload, 0, out, prefix.length, payload.length);
        out[out.length - 2] = '\r';
        out[out.length - 1] = '\n';
        return out;
    }

    /** A reply for a log line: status and text only; never our command's arguments. */
    private static String describe(ResponseLine line) {
        return bounded(line.tag() + " " + line.afterTag());
    }

    private static String bounded(String text) {
        return text.length() > 200 ? text.substring(0, 200) + "..." : text;
    }
}
