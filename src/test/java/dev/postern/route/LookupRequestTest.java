package dev.postern.route;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.postern.testing.TestSecrets;
import java.net.InetSocketAddress;
import org.junit.jupiter.api.Test;

class LookupRequestTest {
    /** Finding 8m. */
    @Test
    void toStringNeverShowsThePassword() {
        String password = TestSecrets.register("Lookup-Secret-77");
        LookupRequest request = new LookupRequest("alice@example.org", password.getBytes(UTF_8),
                new InetSocketAddress("192.0.2.1", 40000), 1);
        assertFalse(request.toString().contains(password), request.toString());
    }
}
