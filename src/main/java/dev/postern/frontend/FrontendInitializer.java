package dev.postern.frontend;

import dev.postern.config.TlsMode;
import dev.postern.imap.ImapCommandFramer;
import dev.postern.imap.ImapResponseEncoder;
import dev.postern.session.PipelineNames;
import dev.postern.session.SessionContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.Channel;
import io.netty.handler.timeout.IdleStateHandler;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.concurrent.TimeUnit;

/**
 * Builds a client connection's pipeline (see {@link PipelineNames}): TLS first on an implicit-TLS listener,
 * then the pre-auth idle timer, the command framer, the response encoder and the pre-auth state machine.
 */
public final class FrontendInitializer extends ChannelInitializer<Channel> {
    private final FrontendSettings settings;
    private final java.util.function.Consumer<Channel> onAccept;

    /** @param onAccept called for each new connection (registry, counters) before its pipeline runs */
    public FrontendInitializer(FrontendSettings settings, java.util.function.Consumer<Channel> onAccept) {
        this.settings = settings;
        this.onAccept = onAccept;
    }

    @Override
    protected void initChannel(Channel ch) {
        String listener = settings.listener().name();
        ch.attr(SessionContext.KEY).set(SessionContext.create(listener, inet(ch.remoteAddress()), inet(ch.localAddress())));
        onAccept.accept(ch);
        var p = ch.pipeline();
        if (settings.listener().tls() == TlsMode.IMPLICIT) {
            p.addLast(PipelineNames.TLS, settings.tls().newClientHelloHandler(settings.listener(), settings.metrics()));
        }
        p.addLast(PipelineNames.PRE_AUTH_IDLE,
                new IdleStateHandler(settings.timeouts().preAuthIdle().toMillis(), 0, 0, TimeUnit.MILLISECONDS));
        ImapCommandFramer framer = new ImapCommandFramer(settings.framerLimits());
        p.addLast(PipelineNames.CMD_FRAMER, framer);
        p.addLast(PipelineNames.RESP_ENCODER, ImapResponseEncoder.INSTANCE);
        p.addLast(PipelineNames.PRE_AUTH, new PreAuthHandler(settings, framer));
    }

    /** Test channels have no IP address; the session then says "unknown". */
    private static InetSocketAddress inet(SocketAddress address) {
        return address instanceof InetSocketAddress inet ? inet : null;
    }
}
