package dev.postern.testing;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.HexFormat;
import java.util.List;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * Self-signed server certificates made at test time (BouncyCastle), ECDSA P-256 or RSA 2048, with a chosen
 * common name, DNS subject alternative names and validity window, written as PEM files Postern's config can name.
 * {@link #authority} makes a test CA that issues them, for clients that check the chain (testssl.sh).
 */
public final class TestCertificates {
    private static final SecureRandom RANDOM = new SecureRandom();

    public enum KeyType {
        ECDSA_P256, RSA_2048
    }

    /** A certificate and the two PEM files holding it and its private key. */
    public record Issued(X509Certificate certificate, Path certificateFile, Path keyFile) {
        /** SHA-256 of the DER certificate, lower-case hex without separators. */
        public String sha256() {
            return sha256(certificate);
        }

        public static String sha256(X509Certificate certificate) {
            try {
                return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(certificate.getEncoded()));
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    private TestCertificates() {
    }

    /** Valid from an hour ago for 30 days; writes {@code dir/<stem>.crt} and {@code dir/<stem>.key}. */
    public static Issued selfSigned(Path dir, String stem, KeyType type, String commonName, List<String> dnsNames) {
        Instant now = Instant.now();
        return selfSigned(dir, stem, type, commonName, dnsNames, now.minus(Duration.ofHours(1)),
                now.plus(Duration.ofDays(30)));
    }

    /** Writes {@code dir/<stem>.crt} and {@code dir/<stem>.key}, replacing files of those names. */
    public static Issued selfSigned(Path dir, String stem, KeyType type, String commonName, List<String> dnsNames,
                                    Instant notBefore, Instant notAfter) {
        try {
            KeyPair pair = keyPair(type);
            X500Name subject = new X500Name("CN=" + commonName + ", O=Postern test");
            JcaX509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(subject,
                    new BigInteger(64, RANDOM).add(BigInteger.ONE), Date.from(notBefore), Date.from(notAfter), subject,
                    pair.getPublic());
            builder.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(dnsNames.stream()
                    .map(n -> new GeneralName(GeneralName.dNSName, n)).toArray(GeneralName[]::new)));
            builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
            String algorithm = type == KeyType.RSA_2048 ? "SHA256withRSA" : "SHA256withECDSA";
            X509Certificate certificate = new JcaX509CertificateConverter().getCertificate(
                    builder.build(new JcaContentSignerBuilder(algorithm).build(pair.getPrivate())));
            Path crt = dir.resolve(stem + ".crt");
            Path key = dir.resolve(stem + ".key");
            Files.writeString(crt, pem(certificate), StandardCharsets.US_ASCII);
            Files.writeString(key, pem(new JcaPKCS8Generator(pair.getPrivate(), null)), StandardCharsets.US_ASCII);
            return new Issued(certificate, crt, key);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (GeneralSecurityException | OperatorCreationException e) {
            throw new IllegalStateException("cannot make a test certificate", e);
        }
    }

    /** A test CA: its certificate (also as a PEM file, for a client's trust store) and its key, kept in memory. */
    public record Authority(X509Certificate certificate, KeyPair keys, Path certificateFile) {
        /**
         * A server certificate signed by this CA for {@code sans} (IP literals become iPAddress entries, the rest
         * dNSName), with key usage and serverAuth extended key usage; writes {@code <stem>.crt} (leaf only) and
         * {@code <stem>.key}.
         */
        public Issued issue(Path dir, String stem, KeyType type, String commonName, List<String> sans, Duration validFor) {
            try {
                KeyPair pair = keyPair(type);
                Instant now = Instant.now();
                JcaX509ExtensionUtils utils = new JcaX509ExtensionUtils();
                JcaX509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(certificate,
                        new BigInteger(64, RANDOM).add(BigInteger.ONE), Date.from(now.minus(Duration.ofHours(1))),
                        Date.from(now.plus(validFor)), new X500Name("CN=" + commonName + ", O=Postern test"),
                        pair.getPublic());
                builder.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(sans.stream()
                        .map(n -> new GeneralName(n.matches("[0-9.]+|.*:.*") ? GeneralName.iPAddress : GeneralName.dNSName, n))
                        .toArray(GeneralName[]::new)));
                builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
                builder.addExtension(Extension.keyUsage, true, new KeyUsage(type == KeyType.RSA_2048
                        ? KeyUsage.digitalSignature | KeyUsage.keyEncipherment : KeyUsage.digitalSignature));
                builder.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_serverAuth));
                builder.addExtension(Extension.subjectKeyIdentifier, false, utils.createSubjectKeyIdentifier(pair.getPublic()));
                builder.addExtension(Extension.authorityKeyIdentifier, false, utils.createAuthorityKeyIdentifier(certificate));
                X509Certificate leaf = new JcaX509CertificateConverter().getCertificate(
                        builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(keys.getPrivate())));
                Path crt = dir.resolve(stem + ".crt");
                Path key = dir.resolve(stem + ".key");
                Files.writeString(crt, pem(leaf), StandardCharsets.US_ASCII);
                Files.writeString(key, pem(new JcaPKCS8Generator(pair.getPrivate(), null)), StandardCharsets.US_ASCII);
                return new Issued(leaf, crt, key);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (GeneralSecurityException | OperatorCreationException e) {
                throw new IllegalStateException("cannot issue a test certificate", e);
            }
        }
    }

    /** A new ECDSA P-256 CA valid for two years, its certificate written to {@code dir/<stem>.crt}. */
    public static Authority authority(Path dir, String stem, String commonName) {
        try {
            KeyPair pair = keyPair(KeyType.ECDSA_P256);
            Instant now = Instant.now();
            X500Name subject = new X500Name("CN=" + commonName + ", O=Postern test CA");
            JcaX509ExtensionUtils utils = new JcaX509ExtensionUtils();
            JcaX509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(subject,
                    new BigInteger(64, RANDOM).add(BigInteger.ONE), Date.from(now.minus(Duration.ofHours(1))),
                    Date.from(now.plus(Duration.ofDays(730))), subject, pair.getPublic());
            builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(0));
            builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
            builder.addExtension(Extension.subjectKeyIdentifier, false, utils.createSubjectKeyIdentifier(pair.getPublic()));
            X509Certificate certificate = new JcaX509CertificateConverter().getCertificate(
                    builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(pair.getPrivate())));
            Path file = dir.resolve(stem + ".crt");
            Files.writeString(file, pem(certificate), StandardCharsets.US_ASCII);
            return new Authority(certificate, pair, file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (GeneralSecurityException | OperatorCreationException e) {
            throw new IllegalStateException("cannot make a test CA", e);
        }
    }

    private static KeyPair keyPair(KeyType type) throws GeneralSecurityException {
        if (type == KeyType.RSA_2048) {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
            generator.initialize(2048, RANDOM);
            return generator.generateKeyPair();
        }
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
        return generator.generateKeyPair();
    }

    private static String pem(Object object) throws IOException {
        StringWriter out = new StringWriter();
        try (JcaPEMWriter writer = new JcaPEMWriter(out)) {
            writer.writeObject(object);
        }
        return out.toString();
    }
}
