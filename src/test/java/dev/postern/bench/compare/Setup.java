package dev.postern.bench.compare;

import java.nio.file.Path;

/**
 * What every proxy under test is given alike: a working directory, the same ECDSA P-256 certificate and key (PEM),
 * the Dovecot behind it, and the key-exchange groups it may use (colon-separated, OpenSSL style).
 */
record Setup(Path dir, Path certificate, Path key, int backendPort, String groups) {
}
