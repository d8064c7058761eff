package dev.postern.route;

import com.unboundid.ldap.sdk.FailoverServerSet;
import com.unboundid.ldap.sdk.LDAPConnectionOptions;
import com.unboundid.ldap.sdk.LDAPException;
import com.unboundid.ldap.sdk.PostConnectProcessor;
import com.unboundid.ldap.sdk.ResultCode;
import com.unboundid.ldap.sdk.RoundRobinServerSet;
import com.unboundid.ldap.sdk.ServerSet;
import com.unboundid.ldap.sdk.StartTLSPostConnectProcessor;
import com.unboundid.util.ssl.JVMDefaultTrustManager;
import com.unboundid.util.ssl.PEMFileTrustManager;
import com.unboundid.util.ssl.SSLUtil;
import dev.postern.config.RouteSourceConfig;
import java.net.URI;
import java.security.GeneralSecurityException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import javax.net.SocketFactory;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The directory servers of an LDAP source, with TLS decided per URL: {@code ldaps://} speaks TLS from the first
 * byte, {@code ldap://} upgrades with StartTLS (before any bind) when {@code start_tls} is on, and stays plain
 * otherwise. Every TLS connection checks the certificate against {@code ca} (else the JDK's trust store) and the
 * URL's host name ({@link LdapHostVerifier}, after every handshake, before any bind or search). URLs of one kind share a
 * round robin; with mixed kinds, the kind of the first URL is tried first, the others on failure.
 */
final class LdapServers {
    private static final Logger LOG = LoggerFactory.getLogger(LdapServers.class);

    private enum Kind { PLAIN, LDAPS, START_TLS }

    private LdapServers() {
    }

    /** Connection options every connection of the source uses: timeouts and the host-name check. */
    static LDAPConnectionOptions options(RouteSourceConfig.Ldap config) {
        LDAPConnectionOptions options = new LDAPConnectionOptions();
        options.setConnectTimeoutMillis((int) config.timeout().toMillis());
        options.setResponseTimeoutMillis(config.timeout().toMillis());
        options.setSSLSocketVerifier(new LdapHostVerifier());
        return options;
    }

    static ServerSet of(RouteSourceConfig.Ldap config, LDAPConnectionOptions options) throws LDAPException {
        Map<Kind, List<URI>> byKind = new LinkedHashMap<>();
        for (URI url : config.urls()) {
            Kind kind = url.getScheme().equalsIgnoreCase("ldaps") ? Kind.LDAPS
                    : config.startTls() ? Kind.START_TLS : Kind.PLAIN;
            byKind.computeIfAbsent(kind, k -> new ArrayList<>()).add(url);
        }
        if (byKind.containsKey(Kind.PLAIN) && config.bindDn() != null) {
            LOG.warn("ldap source {}: the bind password goes to {} without TLS (use ldaps:// or start_tls: true)",
                    config.urls(), byKind.get(Kind.PLAIN));
        }
        SSLSocketFactory tls = byKind.keySet().stream().anyMatch(k -> k != Kind.PLAIN) ? tlsSockets(config) : null;
        List<ServerSet> sets = new ArrayList<>();
        for (Map.Entry<Kind, List<URI>> e : byKind.entrySet()) {
            List<URI> urls = e.getValue();
            String[] hosts = urls.stream().map(URI::getHost).toArray(String[]::new);
            int[] ports = urls.stream().mapToInt(u -> u.getPort() > 0 ? u.getPort()
                    : u.getScheme().toLowerCase(Locale.ROOT).equals("ldaps") ? 636 : 389).toArray();
            SocketFactory sockets = e.getKey() == Kind.LDAPS ? tls : SocketFactory.getDefault();
            PostConnectProcessor startTls = e.getKey() == Kind.START_TLS ? new StartTLSPostConnectProcessor(tls) : null;
            sets.add(new RoundRobinServerSet(hosts, ports, sockets, options, null, startTls));
        }
        return sets.size() == 1 ? sets.get(0) : new FailoverServerSet(sets);
    }

    /** TLS sockets trusting {@code ca}, else the JDK's trust store (the host name is checked by the verifier). */
    private static SSLSocketFactory tlsSockets(RouteSourceConfig.Ldap config) throws LDAPException {
        try {
            TrustManager trust = config.ca() == null ? JVMDefaultTrustManager.getInstance()
                    : new PEMFileTrustManager(config.ca().toFile());
            return new SSLUtil(trust).createSSLSocketFactory();
        } catch (GeneralSecurityException e) {
            throw new LDAPException(ResultCode.LOCAL_ERROR, "TLS setup: " + e.getMessage(), e);
        }
    }
}
