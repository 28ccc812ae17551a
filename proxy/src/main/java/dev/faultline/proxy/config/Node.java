package dev.faultline.proxy.config;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A YAML mapping being read, with its path for error messages ({@code paths[0].timeout}). Every getter checks the
 * type and range and names the key and value on failure; {@link #rejectUnknown} refuses keys no getter asked for.
 */
final class Node {
    private static final Pattern DURATION_PART = Pattern.compile("(\\d+)(ms|s|m|h)");

    private final String path;
    private final Map<?, ?> map;

    Node(String path, Map<?, ?> map) {
        this.path = path;
        this.map = map;
    }

    static Node root(Object yaml) {
        if (yaml == null) {
            return new Node("", Map.of());
        }
        if (!(yaml instanceof Map<?, ?> m)) {
            throw new ConfigException("the configuration must be a mapping of keys, not " + describe(yaml));
        }
        return new Node("", m);
    }

    String key(String name) {
        return path.isEmpty() ? name : path + "." + name;
    }

    void rejectUnknown(Set<String> known) {
        for (Object k : map.keySet()) {
            if (!(k instanceof String s) || !known.contains(s)) {
                throw new ConfigException(key(String.valueOf(k)) + ": unknown key (known here: "
                        + String.join(", ", known.stream().sorted().toList()) + ")");
            }
        }
    }

    boolean has(String name) {
        return map.get(name) != null;
    }

    Node child(String name) {
        Object v = map.get(name);
        if (v == null) {
            return new Node(key(name), Map.of());
        }
        if (!(v instanceof Map<?, ?> m)) {
            throw new ConfigException(key(name) + ": " + describe(v) + " is not a mapping");
        }
        return new Node(key(name), m);
    }

    List<Node> list(String name) {
        Object v = map.get(name);
        List<Node> out = new ArrayList<>();
        if (v == null) {
            return out;
        }
        if (!(v instanceof List<?> l)) {
            throw new ConfigException(key(name) + ": " + describe(v) + " is not a list");
        }
        for (int i = 0; i < l.size(); i++) {
            Object item = l.get(i);
            String p = key(name) + "[" + i + "]";
            if (!(item instanceof Map<?, ?> m)) {
                throw new ConfigException(p + ": " + describe(item) + " is not a mapping");
            }
            out.add(new Node(p, m));
        }
        return out;
    }

    String string(String name, String dflt) {
        Object v = map.get(name);
        if (v == null) {
            return dflt;
        }
        if (!(v instanceof String s) || s.isBlank()) {
            throw new ConfigException(key(name) + ": " + describe(v) + " is not a non-empty string");
        }
        return s.strip();
    }

    int integer(String name, int dflt, int min, int max) {
        Object v = map.get(name);
        if (v == null) {
            return dflt;
        }
        if (!(v instanceof Integer i)) {
            throw new ConfigException(key(name) + ": " + describe(v) + " is not a whole number");
        }
        if (i < min || i > max) {
            throw new ConfigException(key(name) + ": " + i + " is not between " + min + " and " + max);
        }
        return i;
    }

    long bytes(String name, long dflt, long min, long max) {
        Object v = map.get(name);
        if (v == null) {
            return dflt;
        }
        long n;
        if (v instanceof Integer || v instanceof Long) {
            n = ((Number) v).longValue();
        } else if (v instanceof String s && s.strip().matches("(?i)\\d+\\s*(b|kib|mib|kb|mb)?")) {
            Matcher m = Pattern.compile("(?i)(\\d+)\\s*(b|kib|mib|kb|mb)?").matcher(s.strip());
            m.matches();
            long base = Long.parseLong(m.group(1));
            String unit = m.group(2) == null ? "b" : m.group(2).toLowerCase(Locale.ROOT);
            n = switch (unit) {
                case "kib" -> base << 10;
                case "mib" -> base << 20;
                case "kb" -> base * 1000;
                case "mb" -> base * 1_000_000;
                default -> base;
            };
        } else {
            throw new ConfigException(key(name) + ": " + describe(v) + " is not a size (e.g. 65536, 64KiB, 10MiB)");
        }
        if (n < min || n > max) {
            throw new ConfigException(key(name) + ": " + describe(v) + " is not between " + min + " and " + max
                    + " bytes");
        }
        return n;
    }

    double fraction(String name, double dflt) {
        Object v = map.get(name);
        if (v == null) {
            return dflt;
        }
        if (!(v instanceof Number n) || n.doubleValue() < 0 || n.doubleValue() > 1) {
            throw new ConfigException(key(name) + ": " + describe(v) + " is not a number between 0 and 1");
        }
        return n.doubleValue();
    }

    boolean bool(String name, boolean dflt) {
        Object v = map.get(name);
        if (v == null) {
            return dflt;
        }
        if (!(v instanceof Boolean b)) {
            throw new ConfigException(key(name) + ": " + describe(v) + " is not true or false");
        }
        return b;
    }

    Duration duration(String name, Duration dflt, Duration min, Duration max) {
        Object v = map.get(name);
        if (v == null) {
            return dflt;
        }
        Duration d = v instanceof String s ? parseDuration(s.strip()) : null;
        if (d == null) {
            throw new ConfigException(key(name) + ": " + describe(v) + " is not a duration (e.g. 500ms, 1s, 2m)");
        }
        if (d.compareTo(min) < 0 || d.compareTo(max) > 0) {
            throw new ConfigException(key(name) + ": " + describe(v) + " is not between " + format(min) + " and "
                    + format(max));
        }
        return d;
    }

    /** {@code 500ms}, {@code 1s}, {@code 2m}, {@code 1h} or a sum such as {@code 1m30s}; null when not one. */
    static Duration parseDuration(String text) {
        if (text.isEmpty()) {
            return null;
        }
        Matcher m = DURATION_PART.matcher(text);
        Duration total = Duration.ZERO;
        int at = 0;
        while (m.find() && m.start() == at) {
            long n = Long.parseLong(m.group(1));
            total = total.plus(switch (m.group(2)) {
                case "ms" -> Duration.ofMillis(n);
                case "s" -> Duration.ofSeconds(n);
                case "m" -> Duration.ofMinutes(n);
                default -> Duration.ofHours(n);
            });
            at = m.end();
        }
        return at == text.length() ? total : null;
    }

    static String format(Duration d) {
        long ms = d.toMillis();
        return ms % 1000 == 0 ? ms / 1000 + "s" : ms + "ms";
    }

    static String describe(Object v) {
        if (v instanceof String s) {
            return "\"" + (s.length() > 60 ? s.substring(0, 60) + "…" : s) + "\"";
        }
        if (v instanceof Map) {
            return "a mapping";
        }
        if (v instanceof List) {
            return "a list";
        }
        return String.valueOf(v);
    }
}
