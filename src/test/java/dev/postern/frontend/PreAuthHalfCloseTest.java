package dev.postern.frontend;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.postern.config.LimitsConfig;
import dev.postern.config.ListenerConfig;
import dev.postern.config.TimeoutsConfig;
import dev.postern.imap.Credentials;
import dev.postern.metrics.ProxyMetrics;
import dev.postern.session.BackendGateway;
import dev.postern.session.LoginResult;
import dev.postern.session.PipelineNames;
import dev.postern.session.SessionContext;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoop;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A client that pipelines commands behind its LOGIN and then half-closes (FIN, as {@code nc -N} or a script piping
 * into {@code openssl s_client} does) while the backend login runs: what it pipelined must still reach the backend.
 */
class PreAuthHalfCloseTest {
    private static final ListenerConfig PLAIN =
            ListenerConfig.of(Map.of("name", "plain", "bind", "127.0.0.1:1143", "tls", "none"));

    @Test
    void commandsPipelinedBehindALoginSurviveAHalfCloseDuringTheLogin() {
        List<Promise<LoginResult>> logins = new ArrayList<>();
        BackendGateway gateway = new BackendGateway() {
            @Override
            public Future<LoginResult> login(SessionContext session, Credentials credentials, int attempt,
                                             EventLoop loop) {
                Promise<LoginResult> p = loop.newPromise();
                logins.add(p);
                return p;
            }
        };
        ProxyMetrics metrics = (ProxyMetrics) java.lang.reflect.Proxy.newProxyInstance(
                ProxyMetrics.class.getClassLoader(), new Class<?>[] {ProxyMetrics.class}, (self, m, a) -> null);
        FrontendSettings settings = new FrontendSettings(PLAIN, LimitsConfig.DEFAULTS, TimeoutsConfig.DEFAULTS,
                "ready", null, gateway, metrics);
        EmbeddedChannel front = new EmbeddedChannel(new FrontendInitializer(settings, c -> { }));
        EmbeddedChannel backend = EmbeddedChannel.builder().register(false).build();
        try {
            backend.pipeline().addLast(PipelineNames.RESP_FRAMER, new ChannelInboundHandlerAdapter());
            backend.pipeline().addLast(PipelineNames.BACKEND_LOGIN, new ChannelInboundHandlerAdapter());
            front.eventLoop().register(backend).syncUninterruptibly();
            backend.config().setAutoRead(false);
            assertSame(front.eventLoop(), backend.eventLoop());
            drain(front);

            String pipelined = "b SELECT INBOX\r\nc LOGOUT\r\n";
            byte[] in = ("a LOGIN alice secret\r\n" + pipelined).getBytes(ISO_8859_1);
            front.writeInbound(front.alloc().buffer().writeBytes(in));
            assertEquals(1, logins.size());
            // The client is done sending: FIN arrives while the backend login runs.
            front.pipeline().fireUserEventTriggered(ChannelInputShutdownEvent.INSTANCE);
            front.runPendingTasks();

            logins.get(0).setSuccess(new LoginResult.LoggedIn(backend, "b1", List.of("IMAP4rev1")));
            front.runPendingTasks();

            assertTrue(drain(front).startsWith("a OK [CAPABILITY IMAP4rev1] Logged in\r\n"));
            assertEquals(pipelined, drain(backend), "bytes pipelined behind the LOGIN reach the backend");
        } finally {
            front.finishAndReleaseAll();
            backend.finishAndReleaseAll();
        }
    }

    private static String drain(EmbeddedChannel ch) {
        ch.runPendingTasks();
        StringBuilder sb = new StringBuilder();
        for (Object msg; (msg = ch.readOutbound()) != null; ) {
            try {
                sb.append(((ByteBuf) msg).toString(ISO_8859_1));
            } finally {
                ReferenceCountUtil.release(msg);
            }
        }
        return sb.toString();
    }
}
