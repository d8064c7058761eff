package dev.postern.session;

import dev.postern.imap.Credentials;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.Future;

/**
 * The front end's only way to the backends: "a logged-in backend channel for these credentials, on this event
 * loop". The returned future completes on {@code loop}; it fails with a {@link ProxyFailureException}.
 */
public interface BackendGateway {
    /** @param attempt 1 for the first login on this connection, 2 after one failure, ... */
    Future<LoginResult> login(SessionContext session, Credentials credentials, int attempt, EventLoop loop);
}
