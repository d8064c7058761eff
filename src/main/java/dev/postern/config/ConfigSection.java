package dev.postern.config;

import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The table of one config section: one {@link ConfigKey} per component of its record, in the order the loader reads
 * (and reports) them. The record is built through its canonical constructor with each key's value put at its
 * component, so adding a key is one row here plus the record component; a row without a component (or a component
 * without a row) fails when the record class is initialised, long before a file is read.
 *
 * @param <R> the section's record
 */
final class ConfigSection<R extends Record> {
    private final Class<R> type;
    private final List<ConfigKey<?>> keys;
    /** For each row, the position of its component in the canonical constructor. */
    private final int[] slots;
    private final RecordComponent[] components;
    private final Constructor<R> constructor;

    private ConfigSection(Class<R> type, List<ConfigKey<?>> keys) {
        this.type = type;
        this.keys = List.copyOf(keys);
        this.components = type.getRecordComponents();
        Map<String, Integer> positions = new HashMap<>();
        Class<?>[] types = new Class<?>[components.length];
        for (int i = 0; i < components.length; i++) {
            positions.put(components[i].getName(), i);
            types[i] = components[i].getType();
        }
        this.slots = new int[keys.size()];
        Set<Integer> filled = new LinkedHashSet<>();
        for (int i = 0; i < keys.size(); i++) {
            ConfigKey<?> key = keys.get(i);
            Integer slot = positions.get(key.component());
            if (slot == null || !filled.add(slot)) {
                throw new IllegalStateException(type.getSimpleName() + ": key " + key.name() + " fills no component of its own");
            }
            if (!boxed(types[slot]).isAssignableFrom(key.type())) {
                throw new IllegalStateException(type.getSimpleName() + ": key " + key.name() + " reads " + key.type()
                        .getSimpleName() + ", component " + key.component() + " is " + types[slot].getSimpleName());
            }
            slots[i] = slot;
        }
        if (filled.size() != components.length) {
            throw new IllegalStateException(type.getSimpleName() + ": a component has no key (keys: " + keys + ")");
        }
        try {
            this.constructor = type.getDeclaredConstructor(types);
        } catch (NoSuchMethodException e) {
            throw new IllegalStateException(type.getSimpleName() + " has no canonical constructor", e);
        }
    }

    static <R extends Record> ConfigSection<R> of(Class<R> type, ConfigKey<?>... keys) {
        return new ConfigSection<>(type, List.of(keys));
    }

    Class<R> type() {
        return type;
    }

    List<ConfigKey<?>> keys() {
        return keys;
    }

    /** The keys a mapping of this section may hold: the loader rejects every other. */
    Set<String> names() {
        Set<String> names = new LinkedHashSet<>();
        keys.stream().filter(k -> !k.given()).forEach(k -> names.add(k.name()));
        return names;
    }

    /** Every key at its default (a section with required or given keys has none). */
    R defaults() {
        Map<String, Object> values = new LinkedHashMap<>();
        for (ConfigKey<?> key : keys) {
            if (key.required() || key.given()) {
                throw new IllegalStateException(type.getSimpleName() + "." + key.name() + " has no default");
            }
            values.put(key.name(), key.fallback(values));
        }
        return build(values);
    }

    R read(ConfigNode node) {
        return read(node, Map.of());
    }

    /**
     * Reads every key of {@code node}, reporting unknown keys first; {@code given} values (by key name) are taken as
     * they are. Null when a required key is missing or unusable (its problem is recorded).
     */
    R read(ConfigNode node, Map<String, ?> given) {
        node.rejectUnknownKeys(names());
        Map<String, Object> values = new LinkedHashMap<>();
        boolean complete = true;
        for (ConfigKey<?> key : keys) {
            Object value = given.containsKey(key.name()) ? given.get(key.name()) : key.read(node, values);
            complete &= value != null || !(key.required() || key.given());
            values.put(key.name(), value);
        }
        return complete ? build(values) : null;
    }

    /** The by-name builder: {@code values} read like the same mapping in a file under {@code path}. */
    R of(String path, Map<String, ?> values) {
        return ConfigNode.strict(path, values, this::read);
    }

    /**
     * A copy of {@code base} with {@code changes} (by key name, values of the component's type), bounds unchecked: for
     * tests that need a limit below what an operator may set (a framer fed a 64-byte line at every split).
     */
    R with(R base, Map<String, ?> changes) {
        Set<String> unknown = new LinkedHashSet<>(changes.keySet());
        Map<String, Object> values = new LinkedHashMap<>();
        for (int i = 0; i < keys.size(); i++) {
            ConfigKey<?> key = keys.get(i);
            Object value = unknown.remove(key.name()) ? changes.get(key.name()) : value(base, key);
            if (!boxed(components[slots[i]].getType()).isInstance(value)) {
                throw new IllegalArgumentException(key.name() + ": " + value + " (expected: "
                        + components[slots[i]].getType().getSimpleName() + ")");
            }
            values.put(key.name(), value);
        }
        if (!unknown.isEmpty()) {
            throw new IllegalArgumentException(unknown + ": unknown key (expected one of " + names() + ")");
        }
        return build(values);
    }

    /** The value a record holds for {@code key}. */
    Object value(R record, ConfigKey<?> key) {
        try {
            return components[slots[keys.indexOf(key)]].getAccessor().invoke(record);
        } catch (IllegalAccessException | InvocationTargetException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The keys whose values differ between two records of this section. */
    List<ConfigKey<?>> differences(R a, R b) {
        List<ConfigKey<?>> out = new ArrayList<>();
        for (ConfigKey<?> key : keys) {
            if (!Objects.equals(value(a, key), value(b, key))) {
                out.add(key);
            }
        }
        return out;
    }

    private R build(Map<String, Object> values) {
        Object[] args = new Object[components.length];
        for (int i = 0; i < keys.size(); i++) {
            args[slots[i]] = values.get(keys.get(i).name());
        }
        try {
            return constructor.newInstance(args);
        } catch (InvocationTargetException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw new IllegalStateException(e.getCause());
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(type.getSimpleName() + ": cannot build", e);
        }
    }

    private static Class<?> boxed(Class<?> c) {
        if (!c.isPrimitive()) {
            return c;
        }
        return c == int.class ? Integer.class : c == boolean.class ? Boolean.class : c == long.class ? Long.class
                : c == double.class ? Double.class : Void.class;
    }
}
