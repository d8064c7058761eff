package dev.postern.route;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.postern.config.LoginNameConfig;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/** Login name to route key (the cache key and the rendezvous hash input), and the name the backend receives. */
class LoginNamesTest {

    /** By key name, as under {@code routes.login_names:}. */
    private static LoginNames names(Map<String, ?> config) {
        return new LoginNames(LoginNameConfig.of(config));
    }

    @ParameterizedTest(name = "''{0}'' -> ''{1}''")
    @CsvSource(delimiter = '|', value = {
            "Alice@Example.ORG       | alice@example.org",
            "'  alice@example.org  ' | alice@example.org",
            "alice                   | alice",
            "J\u00d6RG@example.org   | j\u00f6rg@example.org",
    })
    void theDefaultLowercasesAndTrims(String typed, String key) {
        assertEquals(key, LoginNames.DEFAULT.key(typed));
    }

    @Test
    void lowercasingIsLocaleIndependent() {
        java.util.Locale before = java.util.Locale.getDefault();
        try {
            java.util.Locale.setDefault(java.util.Locale.forLanguageTag("tr-TR"));
            assertEquals("ilka@example.org", LoginNames.DEFAULT.key("ILKA@EXAMPLE.ORG"));
        } finally {
            java.util.Locale.setDefault(before);
        }
    }

    @Test
    void caseIsKeptWhenLowercasingIsOff() {
        assertEquals("Alice@Example.org", names(Map.of("lowercase", false)).key(" Alice@Example.org "));
    }

    @Test
    void aDefaultDomainIsAppendedToNamesWithoutOne() {
        LoginNames names = names(Map.of("default_domain", "Example.ORG"));
        assertEquals("alice@example.org", names.key("Alice"));
        assertEquals("bob@example.net", names.key("bob@example.net"));
    }

    @Test
    void listedDomainsAreStrippedWhateverTheirCase() {
        LoginNames names = names(Map.of("lowercase", false, "strip_domains", List.of("corp.example", "example.org")));
        assertEquals("alice", names.key("alice@CORP.example"));
        assertEquals("Bob", names.key("Bob@example.org"));
        assertEquals("carol@example.net", names.key("carol@example.net"));
        assertEquals("dave@sub.corp.example", names.key("dave@sub.corp.example"));
        // Only a suffix after something: a bare "@corp.example" is not turned into an empty name.
        assertEquals("@corp.example", names.key("@corp.example"));
    }

    @Test
    void strippingAndADefaultDomainRewriteOneDomainIntoAnother() {
        LoginNames names = names(Map.of("default_domain", "example.org", "strip_domains", List.of("old.example")));
        assertEquals("alice@example.org", names.key("Alice@old.example"));
    }

    @Test
    void theBackendGetsTheNameAsTypedUnlessConfiguredOtherwise() {
        assertEquals("Alice", names(Map.of("default_domain", "example.org")).forBackend("Alice"));
        assertEquals("alice@example.org", names(Map.of("default_domain", "example.org", "send_normalized", true)).forBackend("Alice"));
    }
}
