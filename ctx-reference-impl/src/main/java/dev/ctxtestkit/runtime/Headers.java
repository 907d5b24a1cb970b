package dev.ctxtestkit.runtime;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.BiConsumer;

/**
 * Fetch-style HTTP headers: names are case-insensitive and kept in lower case, values keep their insertion order.
 * Not thread-safe; handler code uses it on the event loop.
 */
public final class Headers {
    private final Map<String, List<String>> values = new LinkedHashMap<>();

    public Headers() {
    }

    /** Headers from alternating names and values, e.g. {@code Headers.of("x-foo", "bar")}. */
    public static Headers of(String... namesAndValues) {
        if (namesAndValues.length % 2 != 0) {
            throw new IllegalArgumentException("Headers.of needs name/value pairs, got an odd number of strings");
        }
        Headers headers = new Headers();
        for (int i = 0; i < namesAndValues.length; i += 2) {
            headers.append(namesAndValues[i], namesAndValues[i + 1]);
        }
        return headers;
    }

    /** A copy of {@code map}, each list giving the values of one name. */
    public static Headers fromMultimap(Map<String, ? extends List<String>> map) {
        Headers headers = new Headers();
        map.forEach((name, list) -> list.forEach(v -> headers.append(name, v)));
        return headers;
    }

    /** Adds a value, keeping the existing ones. */
    public Headers append(String name, String value) {
        String checked = checkValue(value);
        values.computeIfAbsent(key(name), k -> new ArrayList<>()).add(checked);
        return this;
    }

    /** Replaces all values of {@code name} with {@code value}. */
    public Headers set(String name, String value) {
        List<String> list = new ArrayList<>();
        list.add(checkValue(value));
        values.put(key(name), list);
        return this;
    }

    public Headers delete(String name) {
        values.remove(key(name));
        return this;
    }

    public boolean has(String name) {
        return values.containsKey(key(name));
    }

    /** All values of {@code name} joined with {@code ", "}, as fetch does, or {@code null} when absent. */
    public String get(String name) {
        List<String> list = values.get(key(name));
        return list == null ? null : String.join(", ", list);
    }

    /** The values of {@code name} in insertion order; empty when absent. */
    public List<String> getAll(String name) {
        List<String> list = values.get(key(name));
        return list == null ? List.of() : List.copyOf(list);
    }

    /** The lower-case names, in insertion order. */
    public Set<String> names() {
        return Collections.unmodifiableSet(values.keySet());
    }

    /** Calls {@code action} once per value. */
    public void forEach(BiConsumer<String, String> action) {
        values.forEach((name, list) -> list.forEach(v -> action.accept(name, v)));
    }

    /** An independent copy. */
    public Headers copy() {
        Headers copy = new Headers();
        forEach(copy::append);
        return copy;
    }

    /** An unmodifiable multimap view-copy, lower-case names. */
    public Map<String, List<String>> toMultimap() {
        Map<String, List<String>> copy = new LinkedHashMap<>();
        values.forEach((k, v) -> copy.put(k, List.copyOf(v)));
        return Collections.unmodifiableMap(copy);
    }

    private static String key(String name) {
        Objects.requireNonNull(name, "header name");
        if (!isToken(name)) {
            throw new IllegalArgumentException("not a valid header name (RFC 9110 token): '" + printable(name) + "'");
        }
        return name.toLowerCase(Locale.ROOT);
    }

    private static String checkValue(String value) {
        Objects.requireNonNull(value, "header value");
        if (value.indexOf('\r') >= 0 || value.indexOf('\n') >= 0 || value.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("header value must not contain CR, LF or NUL: " + printable(value));
        }
        return value;
    }

    /** Whether {@code s} is a non-empty RFC 9110 token (header names, methods). */
    public static boolean isToken(String s) {
        if (s == null || s.isEmpty()) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || "!#$%&'*+-.^_`|~".indexOf(c) >= 0;
            if (!ok) {
                return false;
            }
        }
        return true;
    }

    private static String printable(String s) {
        return s.replace("\r", "\\r").replace("\n", "\\n").replace("\0", "\\0");
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Headers h && h.values.equals(values);
    }

    @Override
    public int hashCode() {
        return values.hashCode();
    }

    @Override
    public String toString() {
        return values.toString();
    }
}
