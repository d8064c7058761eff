package dev.postern.admin;

import dev.postern.config.AdminConfig;
import dev.postern.server.ProxyServer;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The admin listener ({@code admin.bind}): Netty HTTP on the proxy's own event loops, requests bounded to 64 KiB,
 * one {@link AdminHandler} per connection. The token ({@code admin.token_file}) is read once at start. A reload runs
 * on a thread of its own: it binds and closes sockets, which an event loop must not wait for.
 */
public final class AdminServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(AdminServer.class);
    private static final int MAX_REQUEST_BYTES = 64 * 1024;

    private final Channel channel;
    private final ExecutorService reloads;

    private AdminServer(Channel channel, ExecutorService reloads) {
        this.channel = channel;
        this.reloads = reloads;
    }

    public static AdminServer start(AdminConfig config, ProxyServer server, MeterRegistry registry)
            throws ProxyServer.StartupException {
        String token = null;
        if (config.tokenFile() != null) {
            try {
                token = Files.readString(config.tokenFile(), StandardCharsets.UTF_8).strip();
            } catch (IOException e) {
                throw new ProxyServer.StartupException("admin.token_file: cannot read " + config.tokenFile() + " ("
                        + e.getClass().getSimpleName() + ")", e);
            }
            if (token.isEmpty()) {
                throw new ProxyServer.StartupException("admin.token_file: " + config.tokenFile() + " is empty", null);
            }
        }
        ExecutorService reloads = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "postern-admin-reload");
            t.setDaemon(true);
            return t;
        });
        AdminApi api = new AdminApi(server, registry, reloads);
        String expected = token;
        ServerBootstrap bootstrap = new ServerBootstrap()
                .group(server.eventLoops())
                .channel(server.serverChannelClass())
                .childHandler(new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast(new HttpServerCodec(), new HttpObjectAggregator(MAX_REQUEST_BYTES),
                                new AdminHandler(api, expected));
                    }
                });
        InetSocketAddress address = new InetSocketAddress(config.bind().host(), config.bind().port());
        try {
            Channel channel = bootstrap.bind(address).sync().channel();
            LOG.info("admin API on http://{}{}", config.bind(), token == null ? " (no token: loopback only)" : "");
            return new AdminServer(channel, reloads);
        } catch (Exception e) {
            reloads.shutdownNow();
            throw new ProxyServer.StartupException("admin.bind: cannot listen on " + config.bind() + ": "
                    + e.getMessage(), e);
        }
    }

    /** The port bound (the config's, or the one chosen for port 0). */
    public int port() {
        return ((InetSocketAddress) channel.localAddress()).getPort();
    }

    @Override
    public void close() {
        channel.close().syncUninterruptibly();
        reloads.shutdownNow();
    }
}
