package dev.postern.oauth;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.postern.config.OAuthConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.Base64;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;

/**
 * RFC 7662 token introspection: POST {@code token=...} to the endpoint with the client's id and secret as HTTP
 * Basic (RFC 6749 2.3.1); {@code "active": true}, no past {@code exp}, and the user field present make a good
 * token. Any other answer of the endpoint (not 200, not JSON) is a temporary failure.
 */
final class IntrospectionVerifier implements TokenVerifier {
    private static final Duration TIMEOUT = Duration.ofSeconds(10);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final OAuthConfig config;
    private final String authorization;
    private final HttpClient http;

    IntrospectionVerifier(OAuthConfig config, ExecutorService executor) {
        this.config = config;
        String secret;
        try {
            secret = Files.readString(config.clientSecretFile(), StandardCharsets.UTF_8).strip();
        } catch (IOException e) {
            throw new UncheckedIOException("auth.oauth.client_secret_file: cannot read "
                    + config.clientSecretFile(), e);
        }
        this.authorization = "Basic " + Base64.getEncoder().encodeToString((form(config.clientId()) + ":"
                + form(secret)).getBytes(StandardCharsets.UTF_8));
        this.http = HttpClient.newBuilder().executor(executor).connectTimeout(TIMEOUT).build();
    }

    private static String form(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }

    @Override
    public CompletableFuture<String> verify(byte[] token) {
        HttpRequest request = HttpRequest.newBuilder(config.introspectionUrl()).timeout(TIMEOUT)
                .header("Authorization", authorization)
                .header("Content-Type", "application/x-www-form-urlencoded")
                .header("Accept", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("token=" + form(new String(token, StandardCharsets.US_ASCII))
                        + "&token_type_hint=access_token"))
                .build();
        return http.sendAsync(request, HttpResponse.BodyHandlers.ofByteArray()).thenCompose(response -> {
            if (response.statusCode() != 200) {
                return CompletableFuture.failedFuture(new IOException("introspection endpoint answered HTTP "
                        + response.statusCode()));
            }
            try {
                return judge(JSON.readTree(response.body()));
            } catch (IOException e) {
                return CompletableFuture.failedFuture(new IOException("introspection answer is not JSON"));
            }
        }).exceptionallyCompose(error -> CompletableFuture.failedFuture(
                error instanceof CompletionException && error.getCause() != null ? error.getCause() : error));
    }

    private CompletableFuture<String> judge(JsonNode answer) {
        String field = config.userClaimOrDefault();
        if (!answer.path("active").asBoolean(false)) {
            return CompletableFuture.failedFuture(new TokenRefused("the token is not active"));
        }
        if (answer.has("exp") && answer.get("exp").asLong() * 1000 < System.currentTimeMillis()) {
            return CompletableFuture.failedFuture(new TokenRefused("the token has expired"));
        }
        String user = answer.path(field).asText("");
        if (user.isBlank()) {
            return CompletableFuture.failedFuture(new TokenRefused("the answer names no user in " + field));
        }
        return CompletableFuture.completedFuture(user);
    }

    @Override
    public void close() {
        // the HttpClient's connections go with its executor, which the owner shuts down
    }
}
