package dev.postern.route;

import dev.postern.config.RouteTargets;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * Routes from a file: YAML ({@code login: target}) or CSV ({@code login,target} per line, {@code #} comments).
 * The file is checked for changes every interval (modification time and size; robust to editors and atomic
 * renames). A file that fails to parse or names unknown pools is refused whole: the previous map stays and the
 * reason is logged. Lookups read an immutable map: no locks, no blocking.
 */
public final class FileRouteSource implements RouteSource {
    private static final Logger LOG = LoggerFactory.getLogger(FileRouteSource.class);

    private final Path path;
    private final Set<String> pools;
    private final LoginNames names;
    private final AtomicReference<Map<String, Route>> routes = new AtomicReference<>(Map.of());
    private final List<Runnable> listeners = new CopyOnWriteArrayList<>();
    private volatile Stamp loaded;
    private volatile String lastError;
    private ScheduledFuture<?> watch;

    private record Stamp(FileTime modified, long size) {
    }

    /** Loads the file now; a file that is missing or bad at start-up is an error for the caller to report. */
    public FileRouteSource(Path path, Set<String> pools, LoginNames names) throws IOException {
        this.path = path;
        this.pools = Set.copyOf(pools);
        this.names = names;
        Stamp stamp = stamp();
        routes.set(parse());
        loaded = stamp;
    }

    /** Starts polling for changes on {@code scheduler}. */
    public void watch(ScheduledExecutorService scheduler, long intervalMillis) {
        watch = scheduler.scheduleWithFixedDelay(this::reloadIfChanged, intervalMillis, intervalMillis, TimeUnit.MILLISECONDS);
    }

    /** Reloads when the file's stamp changed; returns true when a new map was taken. */
    public boolean reloadIfChanged() {
        Stamp now;
        try {
            now = stamp();
        } catch (IOException e) {
            report("cannot read " + path + ": " + e.getMessage() + "; keeping the previous routes");
            return false;
        }
        if (now.equals(loaded)) {
            return false;
        }
        try {
            Map<String, Route> fresh = parse();
            routes.set(fresh);
            loaded = now;
            lastError = null;
            LOG.info("routes file {} reloaded: {} route(s)", path, fresh.size());
            listeners.forEach(Runnable::run);
            return true;
        } catch (IOException | RuntimeException e) {
            loaded = now;
            report("routes file " + path + " refused, keeping the previous routes: " + e.getMessage());
            return false;
        }
    }

    private void report(String message) {
        if (!Objects.equals(message, lastError)) {
            LOG.warn(message);
            lastError = message;
        }
    }

    /** The last reload problem, or null. */
    public String lastError() {
        return lastError;
    }

    private Stamp stamp() throws IOException {
        return new Stamp(Files.getLastModifiedTime(path), Files.size(path));
    }

    private Map<String, Route> parse() throws IOException {
        String text;
        try {
            text = Files.readString(path, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new IOException("file not found");
        }
        Map<String, String> table = path.toString().endsWith(".csv") ? csv(text) : yaml(text);
        Map<String, Route> out = new HashMap<>();
        List<String> problems = new ArrayList<>();
        table.forEach((login, target) -> {
            String problem = RouteTargets.check(target, pools);
            if (problem != null) {
                problems.add(login + ": " + problem);
            } else {
                out.put(names.key(login), Route.parse(target, pools));
            }
        });
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException(problems.size() + " bad route(s), first: " + problems.get(0));
        }
        return Map.copyOf(out);
    }

    private static Map<String, String> csv(String text) {
        Map<String, String> out = new HashMap<>();
        String[] lines = text.split("\r?\n", -1);
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i].strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            int comma = line.indexOf(',');
            if (comma <= 0 || comma == line.length() - 1 || line.indexOf(',', comma + 1) >= 0) {
                throw new IllegalArgumentException("line " + (i + 1) + ": expected 'login,target'");
            }
            out.put(line.substring(0, comma).strip(), line.substring(comma + 1).strip());
        }
        return out;
    }

    private static Map<String, String> yaml(String text) {
        LoaderOptions options = new LoaderOptions();
        options.setAllowDuplicateKeys(false);
        Object root = new Yaml(new SafeConstructor(options)).load(text);
        if (root == null) {
            return Map.of();
        }
        if (!(root instanceof Map<?, ?> map)) {
            throw new IllegalArgumentException("expected a mapping of login: target");
        }
        Map<String, String> out = new HashMap<>();
        map.forEach((k, v) -> {
            if (v == null || v instanceof Map || v instanceof List) {
                throw new IllegalArgumentException(k + ": expected a pool name or host:port");
            }
            out.put(String.valueOf(k), String.valueOf(v));
        });
        return out;
    }

    @Override
    public CompletableFuture<Optional<Route>> lookup(LookupRequest request) {
        return CompletableFuture.completedFuture(Optional.ofNullable(routes.get().get(request.loginKey())));
    }

    @Override
    public void onChange(Runnable listener) {
        listeners.add(listener);
    }

    @Override
    public String name() {
        return "file";
    }

    @Override
    public void close() {
        if (watch != null) {
            watch.cancel(false);
        }
    }
}
