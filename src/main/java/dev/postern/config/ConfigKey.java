package dev.postern.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/**
 * One row of a section's table ({@link ConfigSection}): a YAML key, its default, and how its value is read and
 * bounded. The row is the only place that says so: the loader's known keys, the section's {@code DEFAULTS}, the
 * bounds the loader enforces and the by-name builders all come from it. A key fills the record component of the
 * same name in camelCase ({@code max_line_bytes} → {@code maxLineBytes}) unless {@link #into} names another.
 *
 * @param <T> the component's type (boxed)
 */
final class ConfigKey<T> {

    /** Reads one key of a node: records a problem and returns the fallback when the value is unusable. */
    @FunctionalInterface
    interface Reader<T> {
        T read(ConfigNode node, String name, T fallback);
    }

    private final String name;
    private final String component;
    private final Class<?> type;
    /** The default, from the values read before this key (by key name); null for a required or given key. */
    private final Function<Map<String, Object>, T> fallback;
    private final Reader<T> reader;
    /** Null when a value is within bounds, else the expectation as problems show it after the value. */
    private final Function<T, String> bound;
    /** Not null for a required key: the problem when it is missing. */
    private final String missing;
    /** Supplied by the loader (the pool's name is its key under {@code pools:}), not read from the mapping. */
    private final boolean given;

    private ConfigKey(String name, String component, Class<?> type, Function<Map<String, Object>, T> fallback,
                      Reader<T> reader, Function<T, String> bound, String missing, boolean given) {
        this.name = name;
        this.component = component;
        this.type = type;
        this.fallback = fallback;
        this.reader = reader;
        this.bound = bound;
        this.missing = missing;
        this.given = given;
    }

    private static <T> ConfigKey<T> key(String name, Class<?> type, T fallback, Reader<T> reader, Function<T, String> bound) {
        return new ConfigKey<>(name, camelCase(name), type, values -> fallback, reader, bound, null, false);
    }

    /** A whole number in [min, max]. */
    static ConfigKey<Integer> whole(String name, int fallback, int min, int max) {
        return key(name, Integer.class, fallback, (node, k, d) -> node.integer(k, d, min, max),
                v -> ConfigNode.outOfRange(v, min, max));
    }

    /** A byte count in [min, max]: {@code 65536}, {@code 64KiB}, {@code 5MiB}. */
    static ConfigKey<Integer> bytes(String name, int fallback, int min, int max) {
        return key(name, Integer.class, fallback, (node, k, d) -> node.bytes(k, d, min, max),
                v -> ConfigNode.outOfRange(v, min, max));
    }

    /** A duration of at least {@code min}: {@code 500ms}, {@code 30s}, {@code 31m}, {@code 1h}. */
    static ConfigKey<Duration> duration(String name, Duration fallback, Duration min) {
        return key(name, Duration.class, fallback, (node, k, d) -> node.duration(k, d, min), v -> ConfigNode.tooShort(v, min));
    }

    static ConfigKey<Boolean> flag(String name, boolean fallback) {
        return key(name, Boolean.class, fallback, ConfigNode::bool, v -> null);
    }

    /** A flag whose default follows from keys read before it (by key name). */
    static ConfigKey<Boolean> flag(String name, Function<Map<String, Object>, Boolean> fallback) {
        return new ConfigKey<>(name, camelCase(name), Boolean.class, fallback, ConfigNode::bool, v -> null, null, false);
    }

    /** One of an enum's constants, written in any case. */
    static <E extends Enum<E>> ConfigKey<E> choice(String name, Class<E> type, E fallback) {
        return key(name, type, fallback, (node, k, d) -> node.enumValue(k, type, d), v -> null);
    }

    /** One of a few words, folded to lower case. */
    static ConfigKey<String> oneOf(String name, List<String> words) {
        return text(name, words.get(0), v -> words.contains(v.toLowerCase(Locale.ROOT)) ? null
                : "'" + v.toLowerCase(Locale.ROOT) + "' (expected one of " + words + ")", v -> v.toLowerCase(Locale.ROOT));
    }

    /** Text that {@code check} accepts (it returns null, else the problem); null as default means "none". */
    static ConfigKey<String> text(String name, String fallback, Function<String, String> check) {
        return text(name, fallback, check, Function.identity());
    }

    private static ConfigKey<String> text(String name, String fallback, Function<String, String> check,
                                          Function<String, String> normalise) {
        return key(name, String.class, fallback, (node, k, d) -> {
            String value = node.string(k, null);
            if (value == null) {
                return d;
            }
            String problem = check.apply(value);
            if (problem != null) {
                node.problem(k, problem);
                return d;
            }
            return normalise.apply(value);
        }, v -> v == null ? null : check.apply(v));
    }

    /** A value parsed from its text ({@code host:port}, say); the parser's IllegalArgumentException is the problem. */
    static <V> ConfigKey<V> parsed(String name, Class<V> type, Function<String, V> parser) {
        return key(name, type, null, (node, k, d) -> node.has(k) ? node.parsed(k, node.string(k, ""), parser) : d, v -> null);
    }

    /** A file path, resolved against the config file's folder; null when absent. */
    static ConfigKey<Path> path(String name) {
        return key(name, Path.class, null, (node, k, d) -> node.has(k) ? node.resolve(k) : d, v -> null);
    }

    /** A list whose items are parsed from their text; a bad item is named by its index and left out. */
    static <V> ConfigKey<List<V>> list(String name, Function<String, V> parser) {
        return key(name, List.class, List.of(), (node, k, d) -> {
            List<V> out = new ArrayList<>();
            List<Object> raw = node.list(k);
            for (int i = 0; i < raw.size(); i++) {
                V item = node.parsed(k + "[" + i + "]", raw.get(i), parser);
                if (item != null) {
                    out.add(item);
                }
            }
            return List.copyOf(out);
        }, v -> null);
    }

    /** A nested mapping with its own table ({@code health: {interval: 5s, ...}}). */
    static <S extends Record> ConfigKey<S> section(String name, ConfigSection<S> section) {
        return key(name, section.type(), section.defaults(), (node, k, d) -> section.read(node.child(k)), v -> null);
    }

    /** A key read by code of its own (a list of mappings, say). */
    static <V> ConfigKey<V> custom(String name, Class<?> type, V fallback, Reader<V> reader) {
        return key(name, type, fallback, reader, v -> null);
    }

    /** A component the loader supplies, not a key of the mapping. */
    static <V> ConfigKey<V> given(String component, Class<?> type) {
        return new ConfigKey<>(component, component, type, values -> null, (node, k, d) -> d, v -> null, null, true);
    }

    /** This key without a default: when it is missing, {@code problem} is reported and no record is built. */
    ConfigKey<T> required(String problem) {
        return new ConfigKey<>(name, component, type, values -> null, reader, bound, problem, given);
    }

    /** This key filling the component {@code other} (when the YAML name is not the component's). */
    ConfigKey<T> into(String other) {
        return new ConfigKey<>(name, other, type, fallback, reader, bound, missing, given);
    }

    /** Reads the key; null when a required key is missing or unusable. */
    T read(ConfigNode node, Map<String, Object> before) {
        if (missing != null && !node.has(name)) {
            node.problem(name, missing);
            return null;
        }
        return reader.read(node, name, fallback.apply(before));
    }

    /** Reads a key that does not belong to a table (a top-level one such as {@code greeting}). */
    T read(ConfigNode node) {
        return read(node, Map.of());
    }

    T fallback(Map<String, Object> before) {
        return fallback.apply(before);
    }

    /** Null when {@code value} is within this key's bounds, else what was expected. */
    String boundProblem(T value) {
        return bound.apply(value);
    }

    String name() {
        return name;
    }

    String component() {
        return component;
    }

    Class<?> type() {
        return type;
    }

    boolean required() {
        return missing != null;
    }

    boolean given() {
        return given;
    }

    static String camelCase(String snake) {
        StringBuilder out = new StringBuilder();
        boolean upper = false;
        for (char c : snake.toCharArray()) {
            if (c == '_') {
                upper = true;
            } else {
                out.append(upper ? Character.toUpperCase(c) : c);
                upper = false;
            }
        }
        return out.toString();
    }

    @Override
    public String toString() {
        return name;
    }
}
