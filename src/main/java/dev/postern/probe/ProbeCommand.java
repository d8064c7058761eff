package dev.postern.probe;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.postern.config.ConfigException;
import dev.postern.config.ConfigLoader;
import dev.postern.config.HostPort;
import dev.postern.config.PoolConfig;
import dev.postern.config.PosternConfig;
import dev.postern.config.TlsMode;
import java.io.Console;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code postern probe [--json] [--timeout 5s] [--user NAME [--password-file F]] HOST[:PORT]...} and
 * {@code postern probe --config FILE}: without a port a host is tried on 993 (implicit TLS), 143 (STARTTLS) and 585
 * (implicit TLS); with {@code --config} every pool backend is tried the way Postern reaches it. Exit code: 0 all
 * good, 1 warnings, 2 failures (and 2 for bad usage, said on stderr).
 */
public final class ProbeCommand {
    static final int[] DEFAULT_PORTS = {993, 143, 585};

    private ProbeCommand() {
    }

    /** One port to probe: where, and whether TLS comes first (null: by the port's convention). */
    record Target(String host, int port, Boolean implicitTls) {
    }

    public static int run(List<String> args, PrintStream out, PrintStream err) {
        boolean json = false;
        Duration timeout = Duration.ofSeconds(5);
        String user = null;
        Path passwordFile = null;
        Path config = null;
        List<Target> targets = new ArrayList<>();
        try {
            for (int i = 0; i < args.size(); i++) {
                String a = args.get(i);
                switch (a) {
                    case "--json" -> json = true;
                    case "--timeout" -> timeout = Duration.ofMillis(parseMillis(args.get(++i)));
                    case "--user" -> user = args.get(++i);
                    case "--password-file" -> passwordFile = Path.of(args.get(++i));
                    case "--config" -> config = Path.of(args.get(++i));
                    default -> {
                        if (a.startsWith("-")) {
                            throw new IllegalArgumentException("unknown option " + a);
                        }
                        targets.addAll(targetsOf(a));
                    }
                }
            }
            if (config != null) {
                targets.addAll(backendsOf(config));
            }
            if (targets.isEmpty()) {
                throw new IllegalArgumentException("name a HOST[:PORT] or --config FILE");
            }
        } catch (IndexOutOfBoundsException e) {
            err.println("postern probe: " + args.get(args.size() - 1) + " needs a value");
            return 2;
        } catch (IllegalArgumentException | ConfigException e) {
            err.println("postern probe: " + (e instanceof ConfigException c ? String.join("; ", c.problems())
                    : e.getMessage()));
            return 2;
        }
        String password = null;
        if (user != null) {
            try {
                password = password(passwordFile);
            } catch (IOException e) {
                err.println("postern probe: cannot read the password: " + e.getMessage());
                return 2;
            }
        }
        List<PortProbe.Result> results = new ArrayList<>();
        for (Target t : targets) {
            results.add(new PortProbe(t.host(), t.port(), timeout, user, password).run(t.implicitTls()));
        }
        if (json) {
            printJson(results, out);
        } else {
            printText(results, out);
        }
        Finding.Level worst = results.stream().map(PortProbe.Result::worst).max(Enum::compareTo)
                .orElse(Finding.Level.OK);
        return worst == Finding.Level.FAIL ? 2 : worst == Finding.Level.WARN ? 1 : 0;
    }

    private static long parseMillis(String text) {
        String t = text.strip().toLowerCase();
        if (t.endsWith("ms")) {
            return Long.parseLong(t.substring(0, t.length() - 2));
        }
        return Long.parseLong(t.endsWith("s") ? t.substring(0, t.length() - 1) : t) * 1000;
    }

    static List<Target> targetsOf(String text) {
        boolean bracketed = text.startsWith("[");
        int colon = bracketed ? text.indexOf("]:") + 1 : text.lastIndexOf(':');
        if (colon > 0 && (bracketed || text.indexOf(':') == colon)) {
            HostPort hp = HostPort.parse(text);
            return List.of(new Target(hp.host(), hp.port(), null));
        }
        String host = bracketed ? text.substring(1, text.length() - 1) : text;
        List<Target> out = new ArrayList<>();
        for (int port : DEFAULT_PORTS) {
            out.add(new Target(host, port, null));
        }
        return out;
    }

    /** Every pool backend, with TLS first exactly when the pool speaks implicit TLS to it. */
    private static List<Target> backendsOf(Path file) throws ConfigException {
        PosternConfig config = ConfigLoader.load(file);
        List<Target> out = new ArrayList<>();
        for (PoolConfig pool : config.pools().values()) {
            boolean implicit = pool.tls().mode() == TlsMode.IMPLICIT;
            pool.backends().forEach(b -> out.add(new Target(b.address().host(), b.address().port(), implicit)));
        }
        return out;
    }

    private static String password(Path file) throws IOException {
        if (file != null) {
            return Files.readString(file, StandardCharsets.UTF_8).strip();
        }
        Console console = System.console();
        if (console == null) {
            throw new IOException("no terminal to ask on: use --password-file");
        }
        char[] typed = console.readPassword("password: ");
        return typed == null ? "" : new String(typed);
    }

    private static void printText(List<PortProbe.Result> results, PrintStream out) {
        for (PortProbe.Result r : results) {
            out.println(r.host() + ":" + r.port() + " (" + r.facts().getOrDefault("mode", "?") + ")");
            r.facts().forEach((k, v) -> {
                if (!k.equals("mode")) {
                    out.println("  " + k + ": " + v);
                }
            });
            for (Finding f : r.findings()) {
                out.println("  [" + f.level() + "] " + f.text());
            }
            out.println("  => " + r.worst());
        }
    }

    private static void printJson(List<PortProbe.Result> results, PrintStream out) {
        List<Map<String, Object>> list = new ArrayList<>();
        for (PortProbe.Result r : results) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("host", r.host());
            m.put("port", r.port());
            m.put("result", r.worst().name().toLowerCase());
            m.put("facts", r.facts());
            m.put("findings", r.findings().stream().map(f -> Map.of("level", f.level().name().toLowerCase(),
                    "text", f.text())).toList());
            list.add(m);
        }
        try {
            out.println(new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(list));
        } catch (IOException e) {
            out.println("[]");
        }
    }
}
