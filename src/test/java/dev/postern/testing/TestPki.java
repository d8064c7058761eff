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
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A throw-away PKI made at test time (ECDSA P-256, BouncyCastle): a CA, and server certificates it signs for
 * chosen DNS names and IP addresses, written as PEM files a real server (Dovecot) and Postern's config can use.
 */
public final class TestPki {
    private static final SecureRandom RANDOM = new SecureRandom();

    private TestPki() {
    }

    /** A CA: its certificate in {@code certificate} (PEM) and its key kept in memory for signing. */
    public static final class Ca {
        private final String name;
        private final KeyPair keys;
        private final X509Certificate certificate;
        private final Path file;

        private Ca(String name, KeyPair keys, X509Certificate certificate, Path file) {
            this.name = name;
            this.keys = keys;
            this.certificate = certificate;
            this.file = file;
        }

        /** The CA certificate as a PEM file. */
        public Path certificateFile() {
            return file;
        }

        public X509Certificate certificate() {
            return certificate;
        }

        /**
         * A server certificate signed by this CA, valid now, with these subject alternative names (IP literals
         * become iPAddress entries, the rest dNSName); writes {@code <stem>.crt} (leaf then CA) and {@code <stem>.key}.
         */
        public Leaf issue(Path dir, String stem, List<String> names) {
            try {
                KeyPair pair = ecKeyPair();
                Instant now = Instant.now();
                X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(certificate,
                        serial(), Date.from(now.minus(Duration.ofHours(1))), Date.from(now.plus(Duration.ofDays(30))),
                        new X500Name("CN=" + names.get(0) + ", O=Postern test server"), pair.getPublic());
                GeneralName[] sans = names.stream().map(n -> new GeneralName(
                        n.matches("[0-9.]+|.*:.*") ? GeneralName.iPAddress : GeneralName.dNSName, n))
                        .toArray(GeneralName[]::new);
                JcaX509ExtensionUtils utils = new JcaX509ExtensionUtils();
                builder.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(sans))
                        .addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
                        .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature))
                        .addExtension(Extension.extendedKeyUsage, false,
                                new ExtendedKeyUsage(KeyPurposeId.id_kp_serverAuth))
                        .addExtension(Extension.subjectKeyIdentifier, false,
                                utils.createSubjectKeyIdentifier(pair.getPublic()))
                        .addExtension(Extension.authorityKeyIdentifier, false,
                                utils.createAuthorityKeyIdentifier(certificate));
                X509Certificate leaf = new JcaX509CertificateConverter().getCertificate(
                        builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(keys.getPrivate())));
                Path crt = dir.resolve(stem + ".crt");
                Path key = dir.resolve(stem + ".key");
                Files.writeString(crt, pem(leaf) + pem(certificate), StandardCharsets.US_ASCII);
                Files.writeString(key, pem(new JcaPKCS8Generator(pair.getPrivate(), null)), StandardCharsets.US_ASCII);
                return new Leaf(leaf, crt, key);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (GeneralSecurityException | org.bouncycastle.operator.OperatorCreationException e) {
                throw new IllegalStateException("cannot issue a test certificate", e);
            }
        }

        @Override
        public String toString() {
            return "TestPki.Ca[" + name + "]";
        }
    }

    /** A server certificate: chain file (leaf, then CA) and key file. */
    public record Leaf(X509Certificate certificate, Path chainFile, Path keyFile) {
        /** SHA-256 of the DER certificate, upper-case hex pairs joined by colons (as {@code openssl x509 -fingerprint}). */
        public String sha256() {
            try {
                return HexFormat.ofDelimiter(":").withUpperCase()
                        .formatHex(MessageDigest.getInstance("SHA-256").digest(certificate.getEncoded()));
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    /** A new self-signed CA named {@code name}, its certificate written to {@code dir/<stem>.pem}. */
    public static Ca ca(Path dir, String stem, String name) {
        try {
            KeyPair pair = ecKeyPair();
            Instant now = Instant.now();
            X500Name subject = new X500Name("CN=" + name + ", O=Postern test CA");
            JcaX509ExtensionUtils utils = new JcaX509ExtensionUtils();
            X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(subject, serial(),
                    Date.from(now.minus(Duration.ofHours(1))), Date.from(now.plus(Duration.ofDays(60))), subject,
                    pair.getPublic())
                    .addExtension(Extension.basicConstraints, true, new BasicConstraints(0))
                    .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign))
                    .addExtension(Extension.subjectKeyIdentifier, false,
                            utils.createSubjectKeyIdentifier(pair.getPublic()));
            X509Certificate certificate = new JcaX509CertificateConverter().getCertificate(
                    builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(pair.getPrivate())));
            Path file = dir.resolve(stem + ".pem");
            Files.writeString(file, pem(certificate), StandardCharsets.US_ASCII);
            return new Ca(name, pair, certificate, file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (GeneralSecurityException | org.bouncycastle.operator.OperatorCreationException e) {
            throw new IllegalStateException("cannot make a test CA", e);
        }
    }

    private static KeyPair ecKeyPair() throws GeneralSecurityException {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
        return generator.generateKeyPair();
    }

    private static BigInteger serial() {
        return new BigInteger(64, RANDOM).add(BigInteger.ONE);
    }

    private static String pem(Object object) throws IOException {
        StringWriter out = new StringWriter();
        try (JcaPEMWriter writer = new JcaPEMWriter(out)) {
            writer.writeObject(object);
        }
        return out.toString();
    }
}
