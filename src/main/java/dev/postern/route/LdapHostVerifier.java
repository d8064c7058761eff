package dev.postern.route;

import com.unboundid.ldap.sdk.LDAPException;
import com.unboundid.ldap.sdk.ResultCode;
import com.unboundid.util.ssl.SSLSocketVerifier;
import io.netty.util.NetUtil;
import java.security.cert.Certificate;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSocket;

/**
 * Checks, after each TLS handshake with a directory ({@code ldaps://} or StartTLS), that the certificate names the
 * host of the URL (RFC 6125): a host name matches a dNSName entry (a wildcard only as the whole leftmost label),
 * an IP address only an iPAddress entry, never a name that happens to resolve to it; the subject's CN is not
 * consulted. UnboundID's own verifier is more lenient with IP addresses, hence this one.
 */
final class LdapHostVerifier extends SSLSocketVerifier {
    private static final int DNS_NAME = 2;
    private static final int IP_ADDRESS = 7;

    @Override
    public void verifySSLSocket(String host, int port, SSLSocket socket) throws LDAPException {
        X509Certificate leaf;
        try {
            Certificate[] chain = socket.getSession().getPeerCertificates();
            leaf = (X509Certificate) chain[0];
        } catch (SSLPeerUnverifiedException | ClassCastException e) {
            throw refused(host, port, "no verified certificate");
        }
        if (!names(leaf, host)) {
            throw refused(host, port, "the certificate is not for " + host);
        }
    }

    /** Whether {@code leaf}'s subject alternative names include {@code host}. */
    static boolean names(X509Certificate leaf, String host) {
        Collection<List<?>> entries;
        try {
            entries = leaf.getSubjectAlternativeNames();
        } catch (CertificateParsingException e) {
            return false;
        }
        if (entries == null) {
            return false;
        }
        String wanted = host.toLowerCase(Locale.ROOT);
        if (wanted.endsWith(".")) {
            wanted = wanted.substring(0, wanted.length() - 1);
        }
        boolean ip = NetUtil.isValidIpV4Address(wanted) || NetUtil.isValidIpV6Address(wanted);
        byte[] address = ip ? NetUtil.createByteArrayFromIpAddressString(wanted) : null;
        for (List<?> entry : entries) {
            int type = (Integer) entry.get(0);
            String value = String.valueOf(entry.get(1));
            if (ip ? type == IP_ADDRESS && Arrays.equals(address, NetUtil.createByteArrayFromIpAddressString(value))
                    : type == DNS_NAME && dnsMatches(value.toLowerCase(Locale.ROOT), wanted)) {
                return true;
            }
        }
        return false;
    }

    private static boolean dnsMatches(String pattern, String host) {
        if (pattern.endsWith(".")) {
            pattern = pattern.substring(0, pattern.length() - 1);
        }
        if (!pattern.startsWith("*.")) {
            return pattern.equals(host);
        }
        int dot = host.indexOf('.');
        return dot > 0 && host.substring(dot + 1).equals(pattern.substring(2)) && pattern.indexOf('.', 2) > 0;
    }

    private static LDAPException refused(String host, int port, String why) {
        return new LDAPException(ResultCode.CONNECT_ERROR, "TLS to " + host + ":" + port + " refused: " + why);
    }
}
