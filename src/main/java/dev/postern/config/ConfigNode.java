package dev.postern.config;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A YAML mapping seen through its key path. Getters record a problem (path + what was expected) and return the
 * default instead of throwing, so one pass over the file reports every problem at once.
 */
final class ConfigNode {
    private static final Pattern DURATION = Pattern.compile("(\\d+)\\s*(ms|s|m|h|d)");
    private static final Pattern SIZE = Pattern.compile("(\\d+)\\s*(|b|k|kb|kib|m|mb|mib)", Pattern.CASE_INSENSITIVE);

    private final String path;
    private final Map<?, ?> map;
    private final List<String> problems;

    ConfigNode(String path, Map<?, ?> map, List<String> problems) {
        this.path = path;
        this.map = map == null ? Map.of() : map;
        this.problems = problems;
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

    int problemCount() {
        return problems.size();
    }

    /** A mapping found under {@code key} by other means (a list element, say), sharing this node's problems. */
    ConfigNode nested(String key, Map<?, ?> value) {
        return new ConfigNode(path(key), value, problems);
    }

    ConfigNode child(String key) {
        Object value = map.get(key);
        if (value == null) {
            return new ConfigNode(path(key), Map.of(), problems);
        }
        if (!(value instanceof Map<?, ?> m)) {
            problem(key, describe(value) + " (expected: a mapping)");
            return new ConfigNode(path(key), Map.of(), problems);
        }
        return new ConfigNode(path(key), m, problems);
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

    /** A duration: a number with ms, s, m, h or d ("30s", "31m"). */
    Duration duration(String key, Duration fallback, Duration min) {
        Object value = map.get(key);
        if (value == null) {
            return fallback;
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
        if (d.compareTo(min) < 0) {
            problem(key, value + " (expected: at least " + human(min) + ")");
            return fallback;
        }
        return d;
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
        if (n < min || n > max) {
            problem(key, n + " (expected: " + min + " to " + max + ")");
            return fallback;
        }
        return (int) n;
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
