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

/** {@code tls.groups}: the key-exchange groups offered, in order; BoringSSL's own list when absent. */
class TlsGroupsConfigTest {
    @TempDir
    Path dir;

    private PosternConfig load(String tlsExtra) throws Exception {
        Path file = dir.resolve("postern.yaml");
        Files.writeString(file, "listeners:\n  - {name: imaps, bind: \"127.0.0.1:0\", tls: implicit}\n"
                + "tls: {certificate: c.pem, key: k.pem" + tlsExtra + "}\n", StandardCharsets.UTF_8);
        return ConfigLoader.load(file);
    }

    @Test
    void absentMeansBoringSslsOwnList() throws Exception {
        assertEquals(List.of(), load("").tls().groups());
    }

    @Test
    void theListedGroupsInTheirOrderWithBoringSslsSpelling() throws Exception {
        assertEquals(List.of("X25519", "X25519MLKEM768", "P-256"),
                load(", groups: [x25519, X25519MLKEM768, p-256]").tls().groups());
    }

    @Test
    void anUnknownOrRepeatedGroupOrTheJdkProviderIsAProblem() {
        ConfigException unknown = assertThrows(ConfigException.class, () -> load(", groups: [X25519, ffdhe2048]"));
        assertTrue(unknown.getMessage().contains("tls.groups[1]: 'ffdhe2048' is not a key-exchange group"),
                unknown.getMessage());
        ConfigException twice = assertThrows(ConfigException.class, () -> load(", groups: [X25519, x25519]"));
        assertTrue(twice.getMessage().contains("names a group twice"), twice.getMessage());
        ConfigException jdk = assertThrows(ConfigException.class, () -> load(", provider: jdk, groups: [X25519]"));
        assertTrue(jdk.getMessage().contains("tls.groups: needs provider openssl"), jdk.getMessage());
    }
}
