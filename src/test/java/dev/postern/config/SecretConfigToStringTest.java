package dev.postern.config;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.postern.testing.TestSecrets;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Finding 8m: config records that hold secrets (an LDAP bind password, auth_http header values) hide them. */
class SecretConfigToStringTest {

    @Test
    void authHttpHeaderValuesAreHidden() {
        String token = TestSecrets.register("Bearer-Token-Secret-12");
        RouteSourceConfig.Http http = new RouteSourceConfig.Http(URI.create("http://127.0.0.1:8080/auth"),
                Duration.ofSeconds(2), true, Map.of("X-Api-Key", token), 8);
        assertFalse(http.toString().contains(token), http.toString());
        assertTrue(http.toString().contains("X-Api-Key"), http.toString());
    }

    @Test
    void ldapBindPasswordIsHidden() {
        String password = TestSecrets.register("Ldap-Bind-Secret-5");
        RouteSourceConfig.Ldap ldap = new RouteSourceConfig.Ldap(List.of(URI.create("ldap://127.0.0.1:389")),
                "cn=postern", password, "dc=example,dc=org", "(mail=%u)", "mailHost", 143, 4,
                Duration.ofSeconds(2), 2, 100, null, false);
        assertFalse(ldap.toString().contains(password), ldap.toString());
    }
}
