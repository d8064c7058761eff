package dev.postern.tls;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;

/**
 * Reads PEM certificate chains and private keys (PKCS#8, PKCS#1 RSA or SEC1 EC, as OpenSSL writes them) and
 * checks that a key belongs to its certificate, so a mismatch is an error at load time rather than a failed
 * handshake for every client.
 */
public final class CertificateFiles {
    private CertificateFiles() {
    }

    public static void requireReadable(Path file, String key) throws TlsSetupException {
        if (file == null) {
            throw new TlsSetupException(key + ": not configured", null);
        }
        if (!Files.isRegularFile(file)) {
            throw new TlsSetupException(key + ": " + file + ": file not found", null);
        }
        try {
            Files.newInputStream(file).close();
        } catch (IOException e) {
            throw new TlsSetupException(key + ": " + file + ": not readable (" + e.getMessage() + ")", e);
        }
    }

    /** Logs (does not refuse) a certificate outside its validity period: clients will complain, Postern still serves. */
    public static void warnIfNotValidNow(X509Certificate cert, Path file) {
        try {
            cert.checkValidity();
        } catch (java.security.cert.CertificateExpiredException e) {
            org.slf4j.LoggerFactory.getLogger(CertificateFiles.class)
                    .warn("tls.certificate: {} expired on {}: clients will refuse it", file, cert.getNotAfter().toInstant());
        } catch (java.security.cert.CertificateNotYetValidException e) {
            org.slf4j.LoggerFactory.getLogger(CertificateFiles.class)
                    .warn("tls.certificate: {} is not valid before {}", file, cert.getNotBefore().toInstant());
        }
    }

    public static List<X509Certificate> readChain(Path file) throws TlsSetupException {
        try (var in = Files.newInputStream(file)) {
            Collection<? extends java.security.cert.Certificate> certs =
                    CertificateFactory.getInstance("X.509").generateCertificates(in);
            List<X509Certificate> chain = new ArrayList<>();
            certs.forEach(c -> chain.add((X509Certificate) c));
            if (chain.isEmpty()) {
                throw new TlsSetupException("tls.certificate: " + file + ": no PEM certificate found", null);
            }
            return chain;
        } catch (IOException | CertificateException e) {
            throw new TlsSetupException("tls.certificate: " + file + ": not a PEM certificate (" + e.getMessage() + ")", e);
        }
    }

    public static PrivateKey readKey(Path file) throws TlsSetupException {
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.US_ASCII); PEMParser parser = new PEMParser(reader)) {
            Object object = parser.readObject();
            JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
            if (object instanceof PEMKeyPair pair) {
                return converter.getKeyPair(pair).getPrivate();
            }
            if (object instanceof PrivateKeyInfo info) {
                return converter.getPrivateKey(info);
            }
            throw new TlsSetupException("tls.key: " + file + ": no unencrypted PEM private key found", null);
        } catch (IOException e) {
            throw new TlsSetupException("tls.key: " + file + ": not a PEM private key (" + e.getMessage() + ")", e);
        }
    }

    /** Signs random bytes with the key and verifies them with the certificate's public key. */
    public static void requireMatch(X509Certificate certificate, PrivateKey key, Path certFile, Path keyFile)
            throws TlsSetupException {
        PublicKey publicKey = certificate.getPublicKey();
        String algorithm = switch (key.getAlgorithm()) {
            case "RSA" -> "SHA256withRSA";
            case "EC" -> "SHA256withECDSA";
            case "Ed25519", "EdDSA" -> "Ed25519";
            default -> null;
        };
        if (algorithm == null || !publicKey.getAlgorithm().equals(key.getAlgorithm())
                && !(key.getAlgorithm().startsWith("Ed") && publicKey.getAlgorithm().startsWith("Ed"))) {
            throw new TlsSetupException("tls.key: " + keyFile + " (" + key.getAlgorithm() + ") does not match the "
                    + publicKey.getAlgorithm() + " certificate " + certFile, null);
        }
        try {
            byte[] challenge = new byte[32];
            new SecureRandom().nextBytes(challenge);
            Signature signer = Signature.getInstance(algorithm);
            signer.initSign(key);
            signer.update(challenge);
            byte[] signature = signer.sign();
            Signature verifier = Signature.getInstance(algorithm);
            verifier.initVerify(publicKey);
            verifier.update(challenge);
            if (!verifier.verify(signature)) {
                throw new TlsSetupException("tls.key: " + keyFile + " does not belong to the certificate " + certFile, null);
            }
        } catch (java.security.GeneralSecurityException e) {
            throw new TlsSetupException("tls.key: " + keyFile + " cannot be checked against " + certFile + ": " + e, e);
        }
    }
}
