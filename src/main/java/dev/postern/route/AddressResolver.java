package dev.postern.route;

import dev.postern.config.HostPort;
import io.netty.util.NetUtil;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.List;
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

    /** Every address of a backend's host (an IP literal: itself), off the event loop. */
    public CompletableFuture<List<InetAddress>> resolveAll(HostPort backend) {
        if (isIpLiteral(backend.host())) {
            return CompletableFuture.completedFuture(List.of(NetUtil.createInetAddressFromIpAddressString(backend.host())));
        }
        return CompletableFuture.supplyAsync(() -> {
            try {
                return List.of(InetAddress.getAllByName(backend.host()));
            } catch (UnknownHostException e) {
                throw new CompletionException("cannot resolve " + backend.host(), e);
            }
        }, executor);
    }

    private static boolean isIpLiteral(String host) {
        return NetUtil.isValidIpV4Address(host) || NetUtil.isValidIpV6Address(host);
    }

    public CompletableFuture<InetSocketAddress> resolve(HostPort backend) {
        if (isIpLiteral(backend.host())) {
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
