package dev.faultline.wordgame.http;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/** Decoding request bodies into checked values; every failure is a {@link BadRequest} naming the field. */
final class JsonBodies {
    private JsonBodies() {
    }

    static JsonObject object(Buffer body) {
        if (body == null || body.length() == 0) {
            throw new BadRequest("request body must be a JSON object");
        }
        Object value;
        try {
            value = Json.decodeValue(body);
        } catch (DecodeException e) {
            throw new BadRequest("request body is not valid JSON");
        }
        if (!(value instanceof JsonObject object)) {
            throw new BadRequest("request body must be a JSON object");
        }
        return object;
    }

    static void onlyKeys(JsonObject o, Set<String> allowed) {
        for (String key : o.fieldNames()) {
            if (!allowed.contains(key)) {
                throw new BadRequest("unknown field \"" + key + "\" (allowed: " + String.join(", ", allowed) + ")");
            }
        }
    }

    static String requiredString(JsonObject o, String key) {
        Object v = o.getValue(key);
        if (v == null) {
            throw new BadRequest("field \"" + key + "\" is missing");
        }
        if (!(v instanceof String s)) {
            throw new BadRequest("field \"" + key + "\" must be a string");
        }
        return s;
    }

    static long integer(JsonObject o, String key, long dflt, long min, long max) {
        Object v = o.getValue(key);
        if (v == null) {
            return dflt;
        }
        if (!(v instanceof Number n) || !isWhole(n)) {
            throw new BadRequest("field \"" + key + "\" must be a whole number");
        }
        long l = n.longValue();
        if (l < min || l > max || new BigDecimal(n.toString()).compareTo(BigDecimal.valueOf(l)) != 0) {
            throw new BadRequest("field \"" + key + "\" must be between " + min + " and " + max + ", was " + n);
        }
        return l;
    }

    static double fraction(JsonObject o, String key, double dflt) {
        Object v = o.getValue(key);
        if (v == null) {
            return dflt;
        }
        if (!(v instanceof Number n)) {
            throw new BadRequest("field \"" + key + "\" must be a number");
        }
        double d = n.doubleValue();
        if (!(d >= 0.0 && d <= 1.0)) {
            throw new BadRequest("field \"" + key + "\" must be between 0 and 1, was " + n);
        }
        return d;
    }

    static List<String> strings(JsonObject o, String key, List<String> dflt) {
        Object v = o.getValue(key);
        if (v == null) {
            return dflt;
        }
        if (!(v instanceof JsonArray array)) {
            throw new BadRequest("field \"" + key + "\" must be an array of strings");
        }
        List<String> out = new ArrayList<>();
        for (Object item : array) {
            if (!(item instanceof String s)) {
                throw new BadRequest("field \"" + key + "\" must be an array of strings");
            }
            out.add(s);
        }
        return out;
    }

    private static boolean isWhole(Number n) {
        if (n instanceof Double || n instanceof Float) {
            double d = n.doubleValue();
            return d == Math.rint(d) && !Double.isInfinite(d);
        }
        return true;
    }
}
