package dev.postern.route;

import dev.postern.config.HostPort;
import io.netty.util.NetUtil;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;

/**
 * Backend addresses to socket addresses without blocking an event loop: IP literals at once, host names on a
 * small executor (the JDK resolver blocks; its cache keeps repeated lookups cheap).
 */
public final class AddressResolver {
    private final Executor executor;

    public AddressResolver(Executor executor) {
        this.executor = executor;
    }

    public CompletableFuture<InetSocketAddress> resolve(HostPort backend) {
        if (NetUtil.isValidIpV4Address(backend.host()) || NetUtil.isValidIpV6Address(backend.host())) {
            return CompletableFuture.completedFuture(new InetSocketAddress(
                    NetUtil.createInetAddressFromIpAddressString(backend.host()), backend.port()));
        }
        return CompletableFuture.supplyAsync(() -> {
            try {
                return new InetSocketAddress(InetAddress.getByName(backend.host()), backend.port());
            } catch (UnknownHostException e) {
                throw new CompletionException("cannot resolve " + backend.host(), e);
            }
        }, executor);
    }
}
