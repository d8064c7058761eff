package dev.postern.backend;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.postern.config.HealthConfig;
import dev.postern.config.PoolConfig;
import dev.postern.imap.Credentials;
import dev.postern.oauth.TokenVerifier;
import dev.postern.route.BackendHealth;
import dev.postern.session.LoginResult;
import dev.postern.session.ProxyFailure;
import dev.postern.session.ProxyFailureException;
import dev.postern.session.SessionContext;
import dev.postern.testing.TestRouters;
import dev.postern.testing.TestSecrets;
import io.netty.channel.DefaultEventLoop;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.Future;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The gateway with {@code auth.oauth}: what a verifier's answer makes of a bearer login, with a stub verifier and a
 * stub login step that records what would reach a backend.
 */
class BackendConnectorTokenTest {
    private static final String TOKEN = TestSecrets.register("stub-verified-token-0a");
    private final EventLoop loop = new DefaultEventLoop();
    private final List<Credentials> sent = new ArrayList<>();

    @AfterEach
    void stop() {
        loop.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    private Future<LoginResult> login(CompletableFuture<String> verdict, String named) throws Exception {
        PoolConfig pool = PoolConfig.of("main", Map.of("backends", List.of("127.0.0.1:143")));
        BackendHealth health = new BackendHealth();
        pool.backends().forEach(b -> health.register(b.address(), HealthConfig.DEFAULTS, false));
        BackendLoginStep step = (target, credentials, session, eventLoop) -> {
            sent.add(credentials);
            return eventLoop.<LoginResult>newPromise().setSuccess(new LoginResult.Rejected("recorded"));
        };
        TokenVerifier verifier = new TokenVerifier() {
            @Override
            public CompletableFuture<String> verify(byte[] token) {
                assertEquals(TOKEN, new String(token, UTF_8));
                return verdict;
            }

            @Override
            public void close() {
            }
        };
        Future<LoginResult> result = new BackendConnector(TestRouters.toPool(pool, health), step,
                SessionCaps.unlimited(), verifier).login(SessionContext.create("test",
                new InetSocketAddress("127.0.0.1", 40000), null), Credentials.bearer(Credentials.Kind.XOAUTH2,
                named.getBytes(UTF_8), TOKEN.getBytes(UTF_8)), 1, loop);
        assertTrue(result.await(5, TimeUnit.SECONDS));
        return result;
    }

    @Test
    void aGoodTokenLogsInItsUserWithNoSecretOfTheClients() throws Exception {
        login(CompletableFuture.completedFuture("alice@example.org"), "Alice@Example.org");
        assertEquals(1, sent.size());
        assertEquals(Credentials.Kind.VERIFIED, sent.get(0).kind());
        assertEquals("alice@example.org", sent.get(0).userName());
        assertEquals(0, sent.get(0).password().length);
    }

    @Test
    void aRefusedTokenAnotherUsersTokenAndAnUnsendableNameAreFailedLoginsThatReachNoBackend() throws Exception {
        for (var c : List.of(
                List.of(CompletableFuture.<String>failedFuture(new TokenVerifier.TokenRefused("expired")), "alice"),
                List.of(CompletableFuture.completedFuture("bob"), "alice"),
                List.of(CompletableFuture.completedFuture("alice\r\nA1 DELETE INBOX"), ""))) {
            @SuppressWarnings("unchecked")
            Future<LoginResult> result = login((CompletableFuture<String>) c.get(0), (String) c.get(1));
            LoginResult.Rejected rejected = assertInstanceOf(LoginResult.Rejected.class, result.getNow());
            assertEquals(ProxyFailure.AUTH_REJECTED.clientText(), rejected.text());
        }
        assertTrue(sent.isEmpty(), "a backend was asked");
    }

    @Test
    void aVerifierThatCannotTellIsATemporaryFailure() throws Exception {
        Future<LoginResult> result = login(CompletableFuture.failedFuture(new java.io.IOException("jwks down")),
                "alice");
        assertFalse(result.isSuccess());
        assertEquals(ProxyFailure.AUTH_TEMPFAIL, assertInstanceOf(ProxyFailureException.class, result.cause())
                .failure());
        assertTrue(sent.isEmpty());
    }
}
