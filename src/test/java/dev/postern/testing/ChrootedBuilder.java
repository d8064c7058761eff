package dev.postern.testing;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * What a builder of a {@link ChrootedServer}-run backend collects before it writes the instance: users with their
 * passwords (any bytes but NUL and line ends; stored in UTF-8) and, optionally, the PEM chain and key it serves TLS
 * with (what TLS then means — STARTTLS, implicit TLS, login before it — each server's builder says).
 */
public abstract class ChrootedBuilder<B extends ChrootedBuilder<B>> {
    protected final Map<String, String> users = new LinkedHashMap<>();
    protected Path certificateChain;
    protected Path privateKey;

    public B user(String name, String password) {
        users.put(Objects.requireNonNull(name), Objects.requireNonNull(password));
        return self();
    }

    public B tls(Path certificateChainPem, Path privateKeyPem) {
        certificateChain = Objects.requireNonNull(certificateChainPem);
        privateKey = Objects.requireNonNull(privateKeyPem);
        return self();
    }

    @SuppressWarnings("unchecked")
    private B self() {
        return (B) this;
    }
}
