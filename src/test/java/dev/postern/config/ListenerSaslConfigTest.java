package dev.postern.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code listeners[].sasl}: which AUTHENTICATE mechanisms a listener offers, in order. */
class ListenerSaslConfigTest {
    @TempDir
    Path dir;

    private PosternConfig load(String sasl) throws Exception {
        Path file = dir.resolve("postern.yaml");
        Files.writeString(file, "listeners:\n  - {name: plain, bind: \"127.0.0.1:0\", tls: none" + sasl + "}\n",
                StandardCharsets.UTF_8);
        return ConfigLoader.load(file);
    }

    @Test
    void plainAndLoginByDefault() throws Exception {
        assertEquals(List.of("PLAIN", "LOGIN"), load("").listeners().get(0).sasl());
    }

    @Test
    void theListedMechanismsInTheirOrderAnyCase() throws Exception {
        assertEquals(List.of("OAUTHBEARER", "XOAUTH2", "PLAIN"),
                load(", sasl: [oauthbearer, XOAuth2, PLAIN]").listeners().get(0).sasl());
        assertEquals(List.of(), load(", sasl: []").listeners().get(0).sasl(), "LOGIN command only");
    }

    @Test
    void anUnknownOrRepeatedMechanismIsAProblem() {
        ConfigException e = assertThrows(ConfigException.class, () -> load(", sasl: [PLAIN, CRAM-MD5, plain]"));
        assertEquals(2, e.problems().size(), e.problems().toString());
        assertTrue(e.problems().get(0).contains("sasl[1]") && e.problems().get(0).contains("CRAM-MD5"),
                e.problems().toString());
        assertTrue(e.problems().get(1).contains("sasl[2]") && e.problems().get(1).contains("twice"),
                e.problems().toString());
    }
}
