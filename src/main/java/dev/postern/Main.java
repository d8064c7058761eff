package dev.postern;

import ch.qos.logback.classic.LoggerContext;
import dev.postern.config.ConfigException;
import dev.postern.config.ConfigLoader;
import dev.postern.config.PosternConfig;
import dev.postern.metrics.ProcessMeters;
import dev.postern.server.ConfigCheck;
import dev.postern.server.ProxyServer;
import dev.postern.tls.SelfSignedCertificates;
import dev.postern.tls.TlsSetupException;
import dev.postern.admin.AdminServer;
import dev.postern.probe.ProbeCommand;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import org.slf4j.LoggerFactory;
import sun.misc.Signal;

/** Command line: {@code --config FILE}, {@code --check-config}, {@code --help}, {@code --version}. */
public final class Main {
    static final int EXIT_OK = 0;
    static final int EXIT_STARTUP = 1;
    static final int EXIT_USAGE = 2;
    static final int EXIT_CONFIG = 3;

    private Main() {
    }

    public static void main(String[] args) {
        int code = run(args, System.out, System.err);
        flushLogs();
        if (code != EXIT_OK || isOneShot(args)) {
            System.exit(code);
        }
    }

    /** Log lines go through an asynchronous appender (logback.xml): stopping it writes what is still queued. */
    private static void flushLogs() {
        if (LoggerFactory.getILoggerFactory() instanceof LoggerContext logback) {
            logback.stop();
        }
    }

    private static boolean isOneShot(String[] args) {
        if (args.length > 0 && args[0].equals("probe")) {
            return true;
        }
        for (String a : args) {
            if (a.equals("--check-config") || a.equals("--help") || a.equals("--version") || a.equals("-h")) {
                return true;
            }
        }
        return false;
    }

    /** Runs the command; for a server run, returns only when the process is told to stop. */
    static int run(String[] args, PrintStream out, PrintStream err) {
        if (args.length > 0 && args[0].equals("probe")) {
            return ProbeCommand.run(java.util.Arrays.asList(args).subList(1, args.length), out, err);
        }
        Path configPath = Path.of("conf/postern.yaml");
        boolean check = false;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--help", "-h" -> {
                    out.print(usage());
                    return EXIT_OK;
                }
                case "--version" -> {
                    out.println("postern " + version());
                    return EXIT_OK;
                }
                case "--check-config" -> check = true;
                case "--config", "-c" -> {
                    if (i + 1 >= args.length) {
                        err.println("postern: --config needs a file name");
                        return EXIT_USAGE;
                    }
                    configPath = Path.of(args[++i]);
                }
                default -> {
                    err.println("postern: unknown option '" + args[i] + "' (see --help)");
                    return EXIT_USAGE;
                }
            }
        }
        PosternConfig config;
        try {
            config = ConfigLoader.load(configPath);
        } catch (ConfigException e) {
            err.println("postern: " + configPath + ": " + e.problems().size() + " problem(s):");
            e.problems().forEach(p -> err.println("  " + p));
            return EXIT_CONFIG;
        }
        if (check) {
            ConfigCheck.Report report = ConfigCheck.run(config);
            report.warnings().forEach(w -> out.println("postern: warning: " + w));
            if (!report.errors().isEmpty()) {
                err.println("postern: " + configPath + ": " + report.errors().size() + " problem(s):");
                report.errors().forEach(p -> err.println("  " + p));
                return EXIT_CONFIG;
            }
            out.println("postern: " + configPath + ": configuration OK (" + config.listeners().size()
                    + " listener(s), " + config.pools().size() + " pool(s)" + (report.warnings().isEmpty() ? ""
                    : ", " + report.warnings().size() + " warning(s)") + ")");
            return EXIT_OK;
        }
        try {
            SelfSignedCertificates.createIfMissing(config.tls());
        } catch (TlsSetupException e) {
            err.println("postern: " + e.getMessage());
            return EXIT_STARTUP;
        }
        ProxyServer server;
        AdminServer admin = null;
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        ProcessMeters processMeters = ProcessMeters.bindTo(registry);
        try {
            server = ProxyServer.start(config, registry);
        } catch (ProxyServer.StartupException e) {
            err.println("postern: " + e.getMessage());
            return EXIT_STARTUP;
        }
        if (config.admin() != null) {
            try {
                admin = AdminServer.start(config.admin(), server, registry);
            } catch (ProxyServer.StartupException e) {
                err.println("postern: " + e.getMessage());
                server.close();
                return EXIT_STARTUP;
            }
        }
        // SIGTERM and SIGINT end the wait below; the ordered shutdown then runs here and the exit code is 0.
        CountDownLatch stop = new CountDownLatch(1);
        for (String name : new String[] {"TERM", "INT"}) {
            Signal.handle(new Signal(name), signal -> stop.countDown());
        }
        Signal.handle(new Signal("HUP"), signal -> server.reload()); // the result is logged by reload itself
        try {
            stop.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (admin != null) {
            admin.close();
        }
        server.shutdown(config.timeouts().shutdownDrain());
        processMeters.close();
        return EXIT_OK;
    }

    static String version() {
        String v = Main.class.getPackage().getImplementationVersion();
        return v == null ? "dev" : v;
    }

    private static String usage() {
        return """
                Usage: java -jar postern.jar [--config FILE] [--check-config]
                       java -jar postern.jar probe [--json] [--timeout 5s] [--user NAME [--password-file F]]
                                                   HOST[:PORT]... | --config FILE
                  --config FILE    configuration file (default: conf/postern.yaml)
                  --check-config   validate the configuration, print every problem, and exit
                  --version        print the version and exit
                  --help           print this help and exit
                Exit codes: 0 ok, 1 start-up failed, 2 bad usage, 3 invalid configuration.
                """;
    }
}
