package dev.postern.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.IntStream;

/**
 * A YAML mapping seen through its key path. Getters record a problem (path + what was expected) and return the
 * default instead of throwing, so one pass over the file reports every problem at once. Every node of one file
 * shares its problem list and its folder, against which relative paths resolve.
 */
final class ConfigNode {
    private static final Pattern DURATION = Pattern.compile("(\\d+)\\s*(ms|s|m|h|d)");
    private static final Pattern SIZE = Pattern.compile("(\\d+)\\s*(|b|k|kb|kib|m|mb|mib)", Pattern.CASE_INSENSITIVE);

    private final String path;
    private final Map<?, ?> map;
    private final List<String> problems;
    private final Path base;

    ConfigNode(String path, Map<?, ?> map, List<String> problems, Path base) {
        this.path = path;
        this.map = map == null ? Map.of() : map;
        this.problems = problems;
        this.base = base;
    }

    /**
     * Reads {@code values} as if they stood in a file under {@code path}, with the loader's own reader: the by-name
     * way to build a config record (tests, tools). Throws with every problem found, joined like a ConfigException.
     */
    static <R> R strict(String path, Map<String, ?> values, Function<ConfigNode, R> reader) {
        List<String> problems = new ArrayList<>();
        R result = reader.apply(new ConfigNode(path, values, problems, Path.of("").toAbsolutePath()));
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException(String.join("; ", problems));
        }
        return result;
    }

    String path(String key) {
        return path.isEmpty() ? key : path + "." + key;
    }

    void problem(String key, String message) {
        problems.add(path(key) + ": " + message);
    }

    boolean has(String key) {
        return map.containsKey(key) && map.get(key) != null;
    }

    /** Reports keys this node does not know: a typo must not silently fall back to a default. */
    void rejectUnknownKeys(Set<String> known) {
        for (Object key : map.keySet()) {
            if (!known.contains(String.valueOf(key))) {
                problems.add(path(String.valueOf(key)) + ": unknown key (expected one of " + known.stream().sorted().toList() + ")");
            }
        }
    }

    /** A path as written under {@code key}, resolved against the config file's folder. */
    Path resolve(String key) {
        return base.resolve(string(key, "")).normalize();
    }

    /** A mapping found under {@code key} by other means (a list element, say), sharing this node's problems. */
    ConfigNode nested(String key, Map<?, ?> value) {
        return new ConfigNode(path(key), value, problems, base);
    }

    ConfigNode child(String key) {
        Object value = map.get(key);
        if (value == null) {
            return nested(key, Map.of());
        }
        if (!(value instanceof Map<?, ?> m)) {
            problem(key, describe(value) + " (expected: a mapping)");
            return nested(key, Map.of());
        }
        return nested(key, m);
    }

    /** Entries of a mapping whose keys are names chosen by the operator. */
    Map<String, Object> entries(String key) {
        Object value = map.get(key);
        Map<String, Object> out = new LinkedHashMap<>();
        if (value == null) {
            return out;
        }
        if (!(value instanceof Map<?, ?> m)) {
            problem(key, describe(value) + " (expected: a mapping)");
            return out;
        }
        m.forEach((k, v) -> out.put(String.valueOf(k), v));
        return out;
    }

    /** The list under {@code key} without recording a problem when it is something else. */
    List<Object> rawList(String key) {
        return map.get(key) instanceof List<?> l ? new ArrayList<>(l) : List.of();
    }

    /**
     * The mappings listed under {@code key}, each a node named {@code key[i]}, to iterate once; an item of another
     * kind is reported as {@code key[i]: 'item' (expected: <shape>)} when the iteration reaches it (so in its place
     * among the problems of the items around it) and left out.
     */
    Iterable<ConfigNode> mappings(String key, String shape) {
        List<Object> raw = list(key);
        return () -> IntStream.range(0, raw.size()).mapToObj(i -> {
            String item = key + "[" + i + "]";
            if (raw.get(i) instanceof Map<?, ?> m) {
                return nested(item, m);
            }
            problem(item, describe(raw.get(i)) + " (expected: " + shape + ")");
            return null;
        }).filter(Objects::nonNull).iterator();
    }

    /** Whether {@code key} holds a mapping (possibly empty); false when absent or of another kind. */
    boolean isMapping(String key) {
        return map.get(key) instanceof Map;
    }

    /** Whether {@code key} holds a list (possibly empty); false when absent or of another kind. */
    boolean isList(String key) {
        return map.get(key) instanceof List;
    }

    List<Object> list(String key) {
        Object value = map.get(key);
        if (value == null) {
            return List.of();
        }
        if (!(value instanceof List<?> l)) {
            problem(key, describe(value) + " (expected: a list)");
            return List.of();
        }
        return new ArrayList<>(l);
    }

    String string(String key, String fallback) {
        Object value = map.get(key);
        if (value == null) {
            return fallback;
        }
        if (value instanceof Map || value instanceof List) {
            problem(key, describe(value) + " (expected: a string)");
            return fallback;
        }
        return String.valueOf(value);
    }

    boolean bool(String key, boolean fallback) {
        Object value = map.get(key);
        if (value == null) {
            return fallback;
        }
        if (value instanceof Boolean b) {
            return b;
        }
        problem(key, describe(value) + " (expected: true or false)");
        return fallback;
    }

    int integer(String key, int fallback, int min, int max) {
        Object value = map.get(key);
        if (value == null) {
            return fallback;
        }
        long n;
        if (value instanceof Number num && !(value instanceof Double) && !(value instanceof Float)) {
            n = num.longValue();
        } else {
            problem(key, describe(value) + " (expected: a whole number)");
            return fallback;
        }
        return checkRange(key, n, fallback, min, max);
    }

    /** A whole number in [min, max], or the word {@code unlimited} ({@link Integer#MAX_VALUE}, also when absent). */
    int integerOrUnlimited(String key, int min, int max) {
        Object value = map.get(key);
        if (value == null || value instanceof String word && word.strip().equalsIgnoreCase("unlimited")) {
            return Integer.MAX_VALUE;
        }
        if (value instanceof Integer || value instanceof Long) {
            return checkRange(key, ((Number) value).longValue(), Integer.MAX_VALUE, min, max);
        }
        problem(key, describe(value) + " (expected: a whole number or unlimited)");
        return Integer.MAX_VALUE;
    }

    /** A byte count: a number, or a number with k/KiB/m/MiB (powers of 1024). */
    int bytes(String key, int fallback, int min, int max) {
        Object value = map.get(key);
        if (value == null) {
            return fallback;
        }
        if (value instanceof Integer || value instanceof Long) {
            return checkRange(key, ((Number) value).longValue(), fallback, min, max);
        }
        Matcher m = SIZE.matcher(String.valueOf(value).trim());
        if (!m.matches()) {
            problem(key, describe(value) + " (expected: a size such as 65536, 64KiB or 5MiB)");
            return fallback;
        }
        long n = Long.parseLong(m.group(1));
        String unit = m.group(2).toLowerCase(Locale.ROOT);
        long scale = unit.startsWith("k") ? 1024 : unit.startsWith("m") ? 1024 * 1024 : 1;
        return checkRange(key, n * scale, fallback, min, max);
    }

    /** A duration: a number with ms, s, m, h or d ("30s", "31m"); a {@link Duration} given by code counts too. */
    Duration duration(String key, Duration fallback, Duration min) {
        Object value = map.get(key);
        if (value == null) {
            return fallback;
        }
        if (value instanceof Duration d) {
            return checkDuration(key, d, human(d), fallback, min);
        }
        Matcher m = DURATION.matcher(String.valueOf(value).trim());
        if (!m.matches()) {
            problem(key, describe(value) + " (expected: a duration such as 500ms, 30s, 31m, 1h)");
            return fallback;
        }
        long n = Long.parseLong(m.group(1));
        Duration d = switch (m.group(2)) {
            case "ms" -> Duration.ofMillis(n);
            case "s" -> Duration.ofSeconds(n);
            case "m" -> Duration.ofMinutes(n);
            case "h" -> Duration.ofHours(n);
            default -> Duration.ofDays(n);
        };
        return checkDuration(key, d, String.valueOf(value), fallback, min);
    }

    private Duration checkDuration(String key, Duration d, String written, Duration fallback, Duration min) {
        String problem = tooShort(d, min);
        if (problem != null) {
            problem(key, written + problem);
            return fallback;
        }
        return d;
    }

    /** Null when {@code d} is at least {@code min}; else the expectation, as problems show it after the value. */
    static String tooShort(Duration d, Duration min) {
        return d.compareTo(min) < 0 ? " (expected: at least " + human(min) + ")" : null;
    }

    <E extends Enum<E>> E enumValue(String key, Class<E> type, E fallback) {
        Object value = map.get(key);
        if (value == null) {
            return fallback;
        }
        String s = String.valueOf(value).trim().toUpperCase(Locale.ROOT);
        for (E e : type.getEnumConstants()) {
            if (e.name().equals(s)) {
                return e;
            }
        }
        List<String> names = new ArrayList<>();
        for (E e : type.getEnumConstants()) {
            names.add(e.name().toLowerCase(Locale.ROOT));
        }
        problem(key, describe(value) + " (expected one of " + names + ")");
        return fallback;
    }

    /** Parses with {@code parser}; its IllegalArgumentException message becomes the problem text. */
    <T> T parsed(String key, Object raw, Function<String, T> parser) {
        try {
            return parser.apply(String.valueOf(raw));
        } catch (IllegalArgumentException e) {
            problem(key, e.getMessage());
            return null;
        }
    }

    private int checkRange(String key, long n, int fallback, int min, int max) {
        String problem = outOfRange(n, min, max);
        if (problem != null) {
            problem(key, n + problem);
            return fallback;
        }
        return (int) n;
    }

    /** Null when {@code n} lies in [min, max]; else the expectation, as problems show it after the value. */
    static String outOfRange(long n, int min, int max) {
        return n < min || n > max ? " (expected: " + min + " to " + max + ")" : null;
    }

    static String describe(Object value) {
        if (value instanceof Map) {
            return "a mapping";
        }
        if (value instanceof List) {
            return "a list";
        }
        return "'" + value + "'";
    }

    static String human(Duration d) {
        return d.toMillis() % 60_000 == 0 ? d.toMinutes() + "m" : d.toMillis() % 1000 == 0 ? d.toSeconds() + "s" : d.toMillis() + "ms";
    }
}
