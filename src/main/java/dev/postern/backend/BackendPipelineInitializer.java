package dev.postern.backend;

import dev.postern.config.HostPort;
import dev.postern.config.TlsMode;
import dev.postern.session.PipelineNames;
import dev.postern.tls.BackendTls;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInitializer;
import io.netty.handler.codec.haproxy.HAProxyMessageEncoder;
import java.util.function.Supplier;

/**
 * The one backend pipeline, for real logins and health checks alike: {@code [backendTls] → respFramer → phase}
 * (names in {@link PipelineNames}), behind a PROXY header's encoder and sender for a pool that forwards that way. The TLS handler goes in first only for a pool with implicit TLS; with STARTTLS
 * the login handler adds it after the backend's OK.
 */
final class BackendPipelineInitializer extends ChannelInitializer<Channel> {
    private final HostPort backend;
    private final BackendTls tls;
    private final int maxLineBytes;
    private final String phaseName;
    private final ChannelHandler phase;
    private final Supplier<Object> proxyHeader;

    /**
     * @param tls the backend's pool TLS, or null for plaintext
     * @param phaseName the phase handler's name ({@link PipelineNames#BACKEND_LOGIN} or {@link PipelineNames#HEALTH_PROBE})
     * @param proxyHeader the PROXY header the connection starts with, or null for none
     */
    BackendPipelineInitializer(HostPort backend, BackendTls tls, int maxLineBytes, String phaseName,
                               ChannelHandler phase, Supplier<Object> proxyHeader) {
        this.backend = backend;
        this.tls = tls;
        this.maxLineBytes = maxLineBytes;
        this.phaseName = phaseName;
        this.phase = phase;
        this.proxyHeader = proxyHeader;
    }

    @Override
    protected void initChannel(Channel ch) {
        if (proxyHeader != null) {
            ch.pipeline().addLast(PipelineNames.BACKEND_PROXY_ENCODER, HAProxyMessageEncoder.INSTANCE);
            ch.pipeline().addLast(PipelineNames.BACKEND_PROXY_HEADER, new ProxyHeaderSender(proxyHeader));
        }
        if (tls != null && tls.mode() == TlsMode.IMPLICIT) {
            ch.pipeline().addLast(PipelineNames.BACKEND_TLS, tls.newHandler(ch.alloc(), backend));
        }
        ch.pipeline().addLast(PipelineNames.RESP_FRAMER, new ResponseLineFramer(maxLineBytes));
        ch.pipeline().addLast(phaseName, phase);
    }
}
