package dev.faultline.chaos.toxics;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * A toxic as the API knows it: name, type, stream as given (matched case-insensitively), toxicity and its integer
 * attributes (absent ones are 0). Immutable; an update makes a new spec.
 */
public record ToxicSpec(String name, ToxicType type, String stream, float toxicity, Map<String, Long> attributes) {

    public ToxicSpec {
        Map<String, Long> ordered = new LinkedHashMap<>();
        for (String key : type.attributes()) {
            ordered.put(key, attributes.getOrDefault(key, 0L));
        }
        attributes = java.util.Collections.unmodifiableMap(ordered);
    }

    public long attribute(String key) {
        return attributes.getOrDefault(key, 0L);
    }

    public Direction direction() {
        return Direction.parse(stream);
    }

    public ToxicSpec with(float newToxicity, Map<String, Long> newAttributes) {
        return new ToxicSpec(name, type, stream, newToxicity, newAttributes);
    }

    /** Which way data flows: upstream is client to server, downstream server to client. */
    public enum Direction {
        UPSTREAM, DOWNSTREAM;

        /** Null when the text names neither. */
        public static Direction parse(String text) {
            if (text == null) {
                return null;
            }
            return switch (text.toLowerCase(Locale.ROOT)) {
                case "upstream" -> UPSTREAM;
                case "downstream" -> DOWNSTREAM;
                default -> null;
            };
        }
    }
}
