package dev.postern.config;

import java.nio.file.Path;

/**
 * The client-facing certificate.
 *
 * @param certificate PEM certificate chain, resolved against the config file's folder
 * @param key PEM private key (PKCS#8, or PKCS#1/SEC1 as OpenSSL writes them)
 * @param selfSignedIfMissing when both files are absent, generate a self-signed localhost pair there
 */
public record TlsConfig(Path certificate, Path key, boolean selfSignedIfMissing) {
}
