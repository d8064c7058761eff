package dev.postern.server;

import dev.postern.config.BackendConfig;
import dev.postern.config.ListenerConfig;
import dev.postern.config.PoolConfig;
import dev.postern.config.PosternConfig;
import dev.postern.config.TlsConfig;
import dev.postern.route.LoginNames;
import dev.postern.route.RouteChain;
import dev.postern.route.RouteSources;
import dev.postern.tls.BackendTlsContexts;
import dev.postern.tls.CertificateFiles;
import dev.postern.tls.TlsSetupException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

/**
 * {@code --check-config} beyond the YAML, as thorough as {@code nginx -t}: every certificate and key (readable,
 * matching, valid now, not expiring within 14 days), the backend CA bundles, the route sources (files read, URLs
 * parsed), the admin token file; backend host names resolved. Problems are named by their key path. What needs the
 * network to answer (a host name that does not resolve here) is a warning, not an error: the machine that checks is
 * not always the one that runs.
 */
public final class ConfigCheck {
    static final Duration EXPIRY_WARNING = Duration.ofDays(14);

    /** What was found: errors fail the check, warnings do not. */
    public record Report(List<String> errors, List<String> warnings) {
    }

    private final List<String> errors = new ArrayList<>();
    private final List<String> warnings = new ArrayList<>();

    private ConfigCheck() {
    }

    public static Report run(PosternConfig config) {
        ConfigCheck check = new ConfigCheck();
        check.serverCertificates(config);
        check.backendTls(config);
        check.routeSources(config);
        check.backendNames(config);
        if (config.admin() != null && config.admin().tokenFile() != null
                && !Files.isReadable(config.admin().tokenFile())) {
            check.errors.add("admin.token_file: " + config.admin().tokenFile() + " is missing or unreadable");
        }
        return new Report(List.copyOf(check.errors), List.copyOf(check.warnings));
    }

    private void serverCertificates(PosternConfig config) {
        if (config.listeners().stream().noneMatch(ListenerConfig::usesTls)) {
            return;
        }
        TlsConfig tls = config.tls();
        if (tls.selfSignedIfMissing() && !Files.exists(tls.certificate()) && !Files.exists(tls.key())) {
            warnings.add("tls.certificate: " + tls.certificate() + " does not exist yet; a self-signed one will be "
                    + "made at start (self_signed_if_missing)");
        } else {
            pair("tls", tls.certificate(), tls.key());
        }
        for (int i = 0; i < tls.extraCertificates().size(); i++) {
            TlsConfig.CertificatePair p = tls.extraCertificates().get(i);
            pair("tls.certificates[" + i + "]", p.certificate(), p.key());
        }
        for (int i = 0; i < tls.sni().size(); i++) {
            List<TlsConfig.CertificatePair> pairs = tls.sni().get(i).certificates();
            for (int j = 0; j < pairs.size(); j++) {
                pair("tls.sni[" + i + "]" + (pairs.size() > 1 ? ".certificates[" + j + "]" : ""),
                        pairs.get(j).certificate(), pairs.get(j).key());
            }
        }
    }

    private void pair(String key, Path certificateFile, Path keyFile) {
        try {
            List<X509Certificate> chain = CertificateFiles.readChain(certificateFile);
            PrivateKey privateKey = CertificateFiles.readKey(keyFile);
            CertificateFiles.requireMatch(chain.get(0), privateKey, certificateFile, keyFile);
            Instant notAfter = chain.get(0).getNotAfter().toInstant();
            Instant now = Instant.now();
            if (notAfter.isBefore(now)) {
                errors.add(key + ".certificate: " + certificateFile + " expired on " + notAfter);
            } else if (chain.get(0).getNotBefore().toInstant().isAfter(now)) {
                errors.add(key + ".certificate: " + certificateFile + " is not valid before "
                        + chain.get(0).getNotBefore().toInstant());
            } else if (notAfter.isBefore(now.plus(EXPIRY_WARNING))) {
                warnings.add(key + ".certificate: " + certificateFile + " expires within 14 days (" + notAfter + ")");
            }
        } catch (TlsSetupException e) {
            errors.add(key + ": " + e.getMessage());
        }
    }

    private void backendTls(PosternConfig config) {
        try {
            BackendTlsContexts.build(config.pools(), config.routes().unlistedTargets(), config.tls().provider(),
                    config.timeouts().tlsHandshake()).close();
        } catch (TlsSetupException e) {
            errors.add(e.getMessage());
        }
    }

    private void routeSources(PosternConfig config) {
        ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "postern-check");
            t.setDaemon(true);
            return t;
        });
        try {
            RouteChain chain = RouteSources.build(config.routes(), config.pools().keySet(),
                    new LoginNames(config.routes().loginNames()), scheduler);
            chain.close();
        } catch (RouteSources.SourceException e) {
            errors.add(e.getMessage());
        } finally {
            scheduler.shutdownNow();
        }
    }

    private void backendNames(PosternConfig config) {
        Set<String> hosts = new LinkedHashSet<>();
        for (PoolConfig pool : config.pools().values()) {
            for (BackendConfig b : pool.backends()) {
                if (hosts.add(b.address().host())) {
                    try {
                        InetAddress.getAllByName(b.address().host());
                    } catch (UnknownHostException e) {
                        warnings.add("pools." + pool.name() + ".backends: " + b.address().host()
                                + " does not resolve here");
                    }
                }
            }
        }
    }
}
