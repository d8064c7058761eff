package dev.postern.tls;

import dev.postern.config.TlsConfig;
import java.io.IOException;
import java.io.StringWriter;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
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
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes the first-run certificate: when {@code tls.self_signed_if_missing} is on and neither file exists, an
 * ECDSA P-256 certificate for localhost, 127.0.0.1 and ::1, valid one year, written as PEM. Its SHA-256
 * fingerprint is logged so a tester can pin it in a client.
 */
public final class SelfSignedCertificates {
    private static final Logger LOG = LoggerFactory.getLogger(SelfSignedCertificates.class);

    private SelfSignedCertificates() {
    }

    public static void createIfMissing(TlsConfig tls) throws TlsSetupException {
        if (!tls.selfSignedIfMissing() || tls.certificate() == null || tls.key() == null
                || Files.exists(tls.certificate()) || Files.exists(tls.key())) {
            return;
        }
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(new ECGenParameterSpec("secp256r1"), new SecureRandom());
            KeyPair pair = generator.generateKeyPair();
            Instant now = Instant.now();
            X500Name subject = new X500Name("CN=localhost, O=Postern self-signed");
            JcaX509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(subject,
                    new BigInteger(64, new SecureRandom()).abs().add(BigInteger.ONE),
                    Date.from(now.minus(Duration.ofHours(1))), Date.from(now.plus(Duration.ofDays(365))),
                    subject, pair.getPublic());
            builder.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName[] {
                new GeneralName(GeneralName.dNSName, "localhost"),
                new GeneralName(GeneralName.iPAddress, "127.0.0.1"),
                new GeneralName(GeneralName.iPAddress, "::1")}));
            builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
            X509Certificate cert = new JcaX509CertificateConverter().getCertificate(
                    builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(pair.getPrivate())));
            Files.createDirectories(tls.certificate().toAbsolutePath().getParent());
            Files.createDirectories(tls.key().toAbsolutePath().getParent());
            Files.writeString(tls.certificate(), pem(cert), StandardCharsets.US_ASCII);
            Files.writeString(tls.key(), pem(new org.bouncycastle.openssl.jcajce.JcaPKCS8Generator(pair.getPrivate(), null)),
                    StandardCharsets.US_ASCII);
            try {
                Files.setPosixFilePermissions(tls.key(), PosixFilePermissions.fromString("rw-------"));
            } catch (UnsupportedOperationException ignored) {
                // not a POSIX file system: the default permissions stay
            }
            String fingerprint = HexFormat.ofDelimiter(":").withUpperCase()
                    .formatHex(MessageDigest.getInstance("SHA-256").digest(cert.getEncoded()));
            LOG.warn("Generated a self-signed certificate for localhost at {} (SHA-256 fingerprint {}); "
                    + "replace it with a real one before serving users", tls.certificate(), fingerprint);
        } catch (IOException e) {
            throw new TlsSetupException("tls: cannot write the self-signed certificate to " + tls.certificate()
                    + " / " + tls.key() + ": " + e.getMessage(), e);
        } catch (Exception e) {
            throw new TlsSetupException("tls: cannot generate a self-signed certificate: " + e, e);
        }
    }

    private static String pem(Object object) throws IOException {
        StringWriter out = new StringWriter();
        try (JcaPEMWriter writer = new JcaPEMWriter(out)) {
            writer.writeObject(object);
        }
        return out.toString();
    }
}
