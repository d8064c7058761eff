package dev.postern.oauth;

import com.nimbusds.jose.KeySourceException;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSelector;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.proc.SecurityContext;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.text.ParseException;
import java.util.List;

/**
 * {@code auth.oauth.jwks_file}: the key set in a file, read again whenever its modification time changes (keys
 * rotate without a restart). A file that cannot be read or parsed keeps the last good set; with none yet, the
 * lookup fails (a temporary failure, not a refused token).
 */
final class FileJwkSource implements JWKSource<SecurityContext> {
    private final Path file;
    private FileTime loadedAt;
    private JWKSet keys;

    FileJwkSource(Path file) {
        this.file = file;
    }

    @Override
    public synchronized List<JWK> get(JWKSelector selector, SecurityContext context) throws KeySourceException {
        try {
            FileTime modified = Files.getLastModifiedTime(file);
            if (keys == null || !modified.equals(loadedAt)) {
                keys = JWKSet.load(file.toFile());
                loadedAt = modified;
            }
        } catch (IOException | ParseException e) {
            if (keys == null) {
                throw new KeySourceException("cannot read the key set " + file + ": " + e.getMessage(), e);
            }
        }
        return selector.select(keys);
    }
}
