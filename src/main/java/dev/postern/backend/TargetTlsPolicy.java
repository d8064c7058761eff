package dev.postern.backend;

import dev.postern.config.HostPort;
import dev.postern.route.AddressResolver;
import dev.postern.tls.BackendTls;
import dev.postern.tls.BackendTlsContexts;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Which TLS a connection to a route target gets, decided once its address is known; fail closed. A target a pool
 * lists as written gets that pool's TLS. A target that is a pool's backend under another spelling (its IP address,
 * an alias resolving to one of the backend's addresses, on the same port) gets that pool's TLS too, its certificate
 * checked against the name the pool lists: a route source cannot talk Postern into plaintext by naming the server
 * differently. Any other target gets {@code routes.unlisted_targets}: refused, plaintext, or its own TLS. When the
 * spelling matches no pool, the pools' backends on the target's port are resolved (off the event loop; the JDK's
 * resolver cache keeps this cheap); one that does not resolve cannot match. If backends of pools with different TLS
 * match, one with TLS wins.
 */
final class TargetTlsPolicy {

    /** The answer: {@code tls} (null for plaintext), or why the target is refused. */
    record Choice(BackendTls tls, String refusal) {
        static final Choice PLAINTEXT = new Choice(null, null);
    }

    private final BackendTlsContexts contexts;
    private final AddressResolver resolver;

    TargetTlsPolicy(BackendTlsContexts contexts, AddressResolver resolver) {
        this.contexts = contexts;
        this.resolver = resolver;
    }

    /** The TLS for {@code target}, which resolved to {@code address} (the address Postern will connect to). */
    CompletableFuture<Choice> choose(HostPort target, InetSocketAddress address) {
        if (contexts.isListed(target)) {
            return CompletableFuture.completedFuture(new Choice(contexts.forBackend(target), null));
        }
        List<HostPort> samePort = contexts.listedBackends().stream().filter(b -> b.port() == target.port()).toList();
        List<CompletableFuture<HostPort>> matches = new ArrayList<>(samePort.size());
        for (HostPort backend : samePort) {
            matches.add(resolver.resolveAll(backend).handle((all, error) ->
                    error == null && all.contains(address.getAddress()) ? backend : null));
        }
        return CompletableFuture.allOf(matches.toArray(CompletableFuture[]::new)).thenApply(done -> {
            Choice choice = null;
            for (CompletableFuture<HostPort> match : matches) {
                HostPort backend = match.join();
                if (backend != null) {
                    BackendTls tls = contexts.forBackend(backend);
                    if (tls != null) {
                        return new Choice(tls.as(backend), null);
                    }
                    choice = Choice.PLAINTEXT;
                }
            }
            return choice != null ? choice : unlisted(target);
        });
    }

    private Choice unlisted(HostPort target) {
        if (contexts.refusesUnlisted()) {
            return new Choice(null, "route target " + target + " is in no pool and routes.unlisted_targets is refuse");
        }
        return new Choice(contexts.forUnlisted(), null);
    }
}
