package dev.faultline.chaos.api;

import dev.faultline.chaos.proxy.ApiException;
import dev.faultline.chaos.proxy.Proxy;
import dev.faultline.chaos.toxics.ToxicSpec;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.List;
import java.util.Map;

/**
 * JSON the way the real server reads and writes it: compact bodies in its field order, and decoding errors worded
 * like Go's {@code encoding/json} ("bad request body: json: cannot unmarshal string into Go struct field …").
 */
final class GoJson {
    private GoJson() {
    }

    /** Decodes a request body; an empty one is Go's "EOF", a truncated or malformed one a 400 too. */
    static Object decode(Buffer body) throws ApiException {
        if (body == null || body.length() == 0 || body.toString().isBlank()) {
            throw ApiException.badRequest("EOF");
        }
        try {
            return Json.decodeValue(body);
        } catch (DecodeException e) {
            String m = String.valueOf(e.getMessage());
            throw ApiException.badRequest(m.contains("end-of-input") || m.contains("Unexpected end")
                    ? "unexpected EOF" : "invalid character in JSON");
        }
    }

    static JsonObject object(Object decoded, String goType) throws ApiException {
        if (decoded instanceof JsonObject o) {
            return o;
        }
        throw ApiException.badRequest("json: cannot unmarshal " + jsonType(decoded) + " into Go value of type " + goType);
    }

    /** A field of a JSON type; absent or null gives {@code dflt}, another type Go's "cannot unmarshal". */
    private static <T> T field(JsonObject o, String key, String struct, T dflt, Class<T> type, String goType)
            throws ApiException {
        Object v = o.getValue(key);
        if (v == null) {
            return dflt;
        }
        if (type.isInstance(v)) {
            return type.cast(v);
        }
        throw mismatch(v, struct + "." + key, goType);
    }

    static String string(JsonObject o, String key, String struct, String dflt) throws ApiException {
        return field(o, key, struct, dflt, String.class, "string");
    }

    static Boolean bool(JsonObject o, String key, String struct, Boolean dflt) throws ApiException {
        return field(o, key, struct, dflt, Boolean.class, "bool");
    }

    static float float32(JsonObject o, String key, String struct, float dflt) throws ApiException {
        return field(o, key, struct, (Number) dflt, Number.class, "float32").floatValue();
    }

    /** An int64 attribute: integers only, as Go's decoder has it. */
    static long int64(Object v, String field) throws ApiException {
        if (v instanceof Integer || v instanceof Long) {
            return ((Number) v).longValue();
        }
        if (v instanceof BigInteger b) {
            if (b.bitLength() < 64) {
                return b.longValue();
            }
            throw ApiException.badRequest("json: cannot unmarshal number " + b + " into Go struct field " + field
                    + " of type int64");
        }
        if (v instanceof Number n) {
            throw ApiException.badRequest("json: cannot unmarshal number " + n + " into Go struct field " + field
                    + " of type int64");
        }
        throw mismatch(v, field, "int64");
    }

    /** A field that must be a JSON object when present (null counts as absent); returns it, or null. */
    static JsonObject object(JsonObject o, String key, String field, String goType) throws ApiException {
        Object v = o.getValue(key);
        if (v == null || v instanceof JsonObject) {
            return (JsonObject) v;
        }
        throw mismatch(v, field, goType);
    }

    private static ApiException mismatch(Object v, String field, String goType) {
        return ApiException.badRequest("json: cannot unmarshal " + jsonType(v) + " into Go struct field " + field
                + " of type " + goType);
    }

    private static String jsonType(Object v) {
        if (v instanceof JsonObject) {
            return "object";
        }
        if (v instanceof JsonArray) {
            return "array";
        }
        if (v instanceof String) {
            return "string";
        }
        if (v instanceof Boolean) {
            return "bool";
        }
        if (v instanceof Number) {
            return "number";
        }
        return "null";
    }

    static JsonObject toxic(ToxicSpec t) {
        JsonObject attributes = new JsonObject();
        for (Map.Entry<String, Long> e : t.attributes().entrySet()) {
            attributes.put(e.getKey(), e.getValue());
        }
        return new JsonObject().put("attributes", attributes).put("name", t.name()).put("type", t.type().typeName())
                .put("stream", t.stream()).put("toxicity", float32(t.toxicity()));
    }

    static JsonArray toxics(List<ToxicSpec> toxics) {
        JsonArray a = new JsonArray();
        for (ToxicSpec t : toxics) {
            a.add(toxic(t));
        }
        return a;
    }

    static JsonObject proxy(Proxy p) {
        return new JsonObject().put("name", p.name()).put("listen", p.listen()).put("upstream", p.upstream())
                .put("enabled", p.enabled()).put("Logger", new JsonObject()).put("toxics", toxics(p.toxics()));
    }

    /** Go prints a float32 in its shortest form: 1, 0.5, 0.25. */
    static BigDecimal float32(float f) {
        BigDecimal d = new BigDecimal(Float.toString(f)).stripTrailingZeros();
        return d.scale() < 0 ? d.setScale(0) : d;
    }
}
