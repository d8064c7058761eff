package dev.postern.admin;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * One admin connection: checks the bearer token (every path but the probes {@code /health} and {@code /ready};
 * compared in constant time, never logged), routes method and path to {@link AdminApi}, writes the answer. Answers that wait (a route lookup, a
 * reload) are written from the connection's event loop when they are ready.
 */
final class AdminHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
    private final AdminApi api;
    private final byte[] token;

    /** @param token the bearer token, or null when none is configured */
    AdminHandler(AdminApi api, String token) {
        this.api = api;
        this.token = token == null ? null : ("Bearer " + token).getBytes(StandardCharsets.UTF_8);
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
        QueryStringDecoder uri = new QueryStringDecoder(request.uri());
        String path = uri.path();
        boolean keepAlive = HttpUtil.isKeepAlive(request);
        if (!request.decoderResult().isSuccess()) {
            write(ctx, Response.error(400, "malformed request"), false);
            return;
        }
        // Probes carry no token: /health and /ready say only whether Postern is up and should get clients.
        if (token != null && !path.equals("/health") && !path.equals("/ready") && !authorized(request)) {
            write(ctx, Response.error(401, "a valid 'Authorization: Bearer <token>' is required"), keepAlive);
            return;
        }
        Map<String, String> query = new HashMap<>();
        uri.parameters().forEach((k, v) -> query.put(k, v.isEmpty() ? "" : v.get(v.size() - 1)));
        HttpMethod method = request.method();
        CompletableFuture<Response> answer = route(method, path, query);
        answer.whenComplete((response, error) -> ctx.executor().execute(() ->
                write(ctx, error != null ? Response.error(500, "internal error") : response, keepAlive)));
    }

    private CompletableFuture<Response> route(HttpMethod method, String path, Map<String, String> query) {
        boolean get = method.equals(HttpMethod.GET);
        boolean post = method.equals(HttpMethod.POST);
        Response now = switch (path) {
            case "/health" -> get ? api.health() : null;
            case "/ready" -> get ? api.ready() : null;
            case "/metrics" -> get ? api.metrics() : null;
            case "/" -> get ? api.statusPage() : null;
            case "/sessions" -> get ? api.sessions(query) : null;
            case "/sessions/kick" -> post ? api.kick(query) : null;
            case "/backends" -> get ? api.backends() : null;
            case "/backends/drain" -> post ? api.drain(query, true) : null;
            case "/backends/undrain" -> post ? api.drain(query, false) : null;
            case "/routes/flush" -> post ? api.flush(query) : null;
            case "/drain" -> post ? api.drainInstance(true) : null;
            case "/undrain" -> post ? api.drainInstance(false) : null;
            case "/routes/lookup", "/reload" -> null;
            default -> Response.error(404, "no such endpoint: " + path);
        };
        if (now != null) {
            return CompletableFuture.completedFuture(now);
        }
        if (path.equals("/routes/lookup") && get) {
            return api.lookup(query);
        }
        if (path.equals("/reload") && post) {
            return api.reload();
        }
        return CompletableFuture.completedFuture(Response.error(405, method + " is not allowed on " + path));
    }

    private boolean authorized(FullHttpRequest request) {
        List<String> values = request.headers().getAll(HttpHeaderNames.AUTHORIZATION);
        return values.size() == 1
                && MessageDigest.isEqual(token, values.get(0).getBytes(StandardCharsets.UTF_8));
    }

    private static void write(ChannelHandlerContext ctx, Response response, boolean keepAlive) {
        FullHttpResponse http = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
                HttpResponseStatus.valueOf(response.status()),
                Unpooled.copiedBuffer(response.body(), StandardCharsets.UTF_8));
        http.headers().set(HttpHeaderNames.CONTENT_TYPE, response.contentType())
                .setInt(HttpHeaderNames.CONTENT_LENGTH, http.content().readableBytes())
                .set(HttpHeaderNames.CACHE_CONTROL, "no-store");
        if (response.status() == 401) {
            http.headers().set(HttpHeaderNames.WWW_AUTHENTICATE, "Bearer");
        }
        if (keepAlive) {
            HttpUtil.setKeepAlive(http, true);
            ctx.writeAndFlush(http);
        } else {
            ctx.writeAndFlush(http).addListener(ChannelFutureListener.CLOSE);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }
}
