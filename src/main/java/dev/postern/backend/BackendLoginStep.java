package dev.postern.backend;

import dev.postern.config.HostPort;
import dev.postern.imap.Credentials;
import dev.postern.session.LoginResult;
import dev.postern.session.ProxyFailureException;
import dev.postern.session.SessionContext;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.Future;

/**
 * The step under a {@link RoutedLogin}: connect to this backend and log in with these credentials, for this client
 * session (whom a pool may name to its backends), on this event loop. The future completes on {@code loop} with the backend's answer, or fails with a
 * {@link ProxyFailureException} that says whether the credentials had been sent; cancelling it stops the attempt
 * where it stands (the backend channel is closed).
 */
@FunctionalInterface
public interface BackendLoginStep {
    Future<LoginResult> login(HostPort target, Credentials credentials, SessionContext session, EventLoop loop);
}
