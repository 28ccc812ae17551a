package dev.faultline.prober.config;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A YAML mapping being read, with its key path for error messages ({@code probes[0].interval}). Every getter checks
 * type and range and names the key and the value when they are wrong; {@link #rejectUnknown} refuses other keys.
 */
final class ConfigNode {
    private static final Pattern DURATION_PART = Pattern.compile("(\\d+)(ms|s|m|h)");

    private final String path;
    private final Map<?, ?> map;

    private ConfigNode(String path, Map<?, ?> map) {
        this.path = path;
        this.map = map;
    }

    static ConfigNode root(Object yaml) {
        if (yaml == null) {
            return new ConfigNode("", Map.of());
        }
        if (!(yaml instanceof Map<?, ?> m)) {
            throw new ConfigException("the configuration must be a mapping of keys, not " + describe(yaml));
        }
        return new ConfigNode("", m);
    }

    String key(String name) {
        return path.isEmpty() ? name : path + "." + name;
    }

    String path() {
        return path;
    }

    void rejectUnknown(String... known) {
        Set<String> names = new TreeSet<>(List.of(known));
        for (Object k : map.keySet()) {
            if (!(k instanceof String s) || !names.contains(s)) {
                throw new ConfigException(key(String.valueOf(k)) + ": unknown key (known here: "
                        + String.join(", ", names) + ")");
            }
        }
    }

    boolean has(String name) {
        return map.get(name) != null;
    }

    /** The child mapping, or null when the key is absent. */
    ConfigNode child(String name) {
        Object v = map.get(name);
        if (v == null) {
            return null;
        }
        if (!(v instanceof Map<?, ?> m)) {
            throw new ConfigException(key(name) + ": " + describe(v) + " is not a mapping");
        }
        return new ConfigNode(key(name), m);
    }

    /** A list of mappings (empty when the key is absent). */
    List<ConfigNode> list(String name) {
        List<ConfigNode> out = new ArrayList<>();
        for (int i = 0; i < rawList(name).size(); i++) {
            Object item = rawList(name).get(i);
            String p = key(name) + "[" + i + "]";
            if (!(item instanceof Map<?, ?> m)) {
                throw new ConfigException(p + ": " + describe(item) + " is not a mapping");
            }
            out.add(new ConfigNode(p, m));
        }
        return out;
    }

    /** A list of whole numbers, each within [min, max] (empty when the key is absent). */
    List<Integer> integers(String name, int min, int max) {
        List<Integer> out = new ArrayList<>();
        List<?> raw = rawList(name);
        for (int i = 0; i < raw.size(); i++) {
            out.add(checkInteger(key(name) + "[" + i + "]", raw.get(i), min, max));
        }
        return out;
    }

    private List<?> rawList(String name) {
        Object v = map.get(name);
        if (v == null) {
            return List.of();
        }
        if (!(v instanceof List<?> l)) {
            throw new ConfigException(key(name) + ": " + describe(v) + " is not a list");
        }
        return l;
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

    String required(String name) {
        String s = string(name, null);
        if (s == null) {
            throw new ConfigException(key(name) + ": is missing");
        }
        return s;
    }

    int integer(String name, int dflt, int min, int max) {
        Object v = map.get(name);
        return v == null ? dflt : checkInteger(key(name), v, min, max);
    }

    private static int checkInteger(String key, Object v, int min, int max) {
        if (!(v instanceof Integer i)) {
            throw new ConfigException(key + ": " + describe(v) + " is not a whole number");
        }
        if (i < min || i > max) {
            throw new ConfigException(key + ": " + i + " is not between " + min + " and " + max);
        }
        return i;
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

    /** An absolute http:// or https:// URL with a host. */
    URI url(String name) {
        String s = required(name);
        try {
            URI u = new URI(s);
            if (("http".equals(u.getScheme()) || "https".equals(u.getScheme())) && u.getHost() != null) {
                return u;
            }
        } catch (URISyntaxException e) {
            // reported below
        }
        throw new ConfigException(key(name) + ": " + describe(s) + " is not an http:// or https:// URL");
    }

    /** {@code 500ms}, {@code 1s}, {@code 2m}, {@code 1h} or a sum such as {@code 1m30s}; null when not one. */
    static Duration parseDuration(String text) {
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
        return at > 0 && at == text.length() ? total : null;
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
