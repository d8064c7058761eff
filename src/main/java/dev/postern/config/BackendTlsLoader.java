package dev.postern.config;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/** Reads {@code pools.<name>.tls} into a {@link BackendTlsConfig}, recording every problem with its key path. */
final class BackendTlsLoader {
    /** The keys besides the mode's. */
    private static final List<String> SETTINGS = List.of("ca", "verify_hostname", "server_name", "pin_sha256",
            "insecure", "protocols", "ciphers");
    private static final Pattern SHA256_HEX = Pattern.compile("[0-9a-f]{64}");
    private static final Pattern HOST_NAME =
            Pattern.compile("[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?(\\.[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?)*\\.?");
    private static final Pattern IP_LITERAL = Pattern.compile("[0-9.]+|[0-9a-f:.]*:[0-9a-f:.]*");
    private static final Pattern CIPHER_NAME = Pattern.compile("[A-Za-z0-9_-]+");

    private BackendTlsLoader() {
    }

    /** The pool's TLS settings; {@link BackendTlsConfig#NONE} when the node is absent. */
    static BackendTlsConfig read(ConfigNode node) {
        return read(node, "mode");
    }

    /**
     * TLS settings whose mode is under {@code modeKey} ({@code mode} in a pool's {@code tls:}, {@code tls} in
     * {@code routes.unlisted_targets}), the other keys as in a pool's {@code tls:}.
     */
    static BackendTlsConfig read(ConfigNode node, String modeKey) {
        Set<String> keys = new java.util.HashSet<>(SETTINGS);
        keys.add(modeKey);
        node.rejectUnknownKeys(keys);
        TlsMode mode = node.enumValue(modeKey, TlsMode.class, TlsMode.NONE);
        if (mode == TlsMode.NONE) {
            for (String key : SETTINGS.stream().sorted().toList()) {
                if (node.has(key)) {
                    node.problem(key, "has no effect while " + modeKey + " is none (expected: " + modeKey
                            + ": implicit or starttls)");
                }
            }
        }
        Path ca = null;
        if (node.has("ca")) {
            ca = node.resolve("ca");
            String problem = checkCaBundle(ca);
            if (problem != null) {
                node.problem("ca", problem);
            }
        }
        boolean verifyHostname = node.bool("verify_hostname", true);
        String serverName = null;
        if (node.has("server_name")) {
            String raw = node.string("server_name", "").strip().toLowerCase(Locale.ROOT);
            if (HOST_NAME.matcher(raw).matches() || (IP_LITERAL.matcher(raw).matches() && !raw.isEmpty())) {
                serverName = raw;
            } else {
                node.problem("server_name", "'" + raw + "' (expected: a host name such as imap.example.org)");
            }
        }
        List<String> pins = new ArrayList<>();
        List<Object> rawPins = node.list("pin_sha256");
        for (int i = 0; i < rawPins.size(); i++) {
            Object raw = rawPins.get(i);
            String hex = raw instanceof Map || raw instanceof List ? ""
                    : String.valueOf(raw).replace(":", "").strip().toLowerCase(Locale.ROOT);
            if (SHA256_HEX.matcher(hex).matches()) {
                pins.add(hex);
            } else {
                node.problem("pin_sha256[" + i + "]", ConfigNode.describe(raw)
                        + " (expected: the 64 hex digits of a SHA-256 certificate fingerprint, colons optional)");
            }
        }
        boolean insecure = node.bool("insecure", false);
        List<String> protocols = protocols(node);
        List<String> ciphers = new ArrayList<>();
        List<Object> rawCiphers = node.list("ciphers");
        for (int i = 0; i < rawCiphers.size(); i++) {
            String name = String.valueOf(rawCiphers.get(i)).strip();
            if (CIPHER_NAME.matcher(name).matches()) {
                ciphers.add(name);
            } else {
                node.problem("ciphers[" + i + "]", ConfigNode.describe(rawCiphers.get(i))
                        + " (expected: a cipher suite name such as TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256)");
            }
        }
        boolean pinned = !pins.isEmpty();
        if (insecure && pinned) {
            node.problem("insecure", "true together with pin_sha256 is a contradiction (pinning verifies the "
                    + "certificate, insecure turns verification off): remove one");
            pins.clear();
        }
        if (insecure && node.has("ca")) {
            node.problem("insecure", "true together with ca: the CA would be ignored (insecure turns verification off): "
                    + "remove one");
        }
        if (pinned && node.has("ca")) {
            node.problem("pin_sha256", "together with ca: pinning replaces CA verification, the CA would be ignored: "
                    + "remove one");
        }
        if ((pinned || insecure) && node.has("verify_hostname") && verifyHostname) {
            node.problem("verify_hostname", "true has no effect with " + (insecure ? "insecure" : "pin_sha256")
                    + " (the name is not checked then): remove it");
        }
        return new BackendTlsConfig(mode, ca, verifyHostname, serverName, pins, insecure, protocols, ciphers);
    }

    private static List<String> protocols(ConfigNode node) {
        if (!node.has("protocols")) {
            return BackendTlsConfig.DEFAULT_PROTOCOLS;
        }
        List<Object> raw = node.list("protocols");
        if (raw.isEmpty() && node.isList("protocols")) {
            node.problem("protocols", "empty (expected: at least one of " + BackendTlsConfig.KNOWN_PROTOCOLS + ")");
        }
        List<String> out = new ArrayList<>();
        for (int i = 0; i < raw.size(); i++) {
            String name = String.valueOf(raw.get(i)).strip();
            String known = BackendTlsConfig.KNOWN_PROTOCOLS.stream().filter(p -> p.equalsIgnoreCase(name))
                    .findFirst().orElse(null);
            if (known == null) {
                node.problem("protocols[" + i + "]", ConfigNode.describe(raw.get(i)) + " (expected one of "
                        + BackendTlsConfig.KNOWN_PROTOCOLS + ")");
            } else if (!out.contains(known)) {
                out.add(known);
            }
        }
        return out.isEmpty() ? BackendTlsConfig.DEFAULT_PROTOCOLS : out;
    }

    /** Null when the file is a readable PEM bundle of at least one certificate, else what is wrong with it. */
    static String checkCaBundle(Path file) {
        if (Files.isDirectory(file)) {
            return file + ": is a directory (expected: a PEM file of CA certificates)";
        }
        if (!Files.isRegularFile(file)) {
            return file + ": file not found";
        }
        byte[] content;
        try {
            content = Files.readAllBytes(file);
        } catch (IOException e) {
            return file + ": not readable (" + e.getMessage() + ")";
        }
        if (!new String(content, StandardCharsets.US_ASCII).contains("-----BEGIN CERTIFICATE-----")) {
            return file + ": not a PEM certificate bundle (no BEGIN CERTIFICATE block)";
        }
        try (InputStream in = new java.io.ByteArrayInputStream(content)) {
            Collection<? extends Certificate> certs = CertificateFactory.getInstance("X.509").generateCertificates(in);
            if (certs.isEmpty()) {
                return file + ": no certificate found";
            }
        } catch (CertificateException | IOException e) {
            return file + ": not a valid PEM certificate bundle (" + e.getMessage() + ")";
        }
        return null;
    }
}
