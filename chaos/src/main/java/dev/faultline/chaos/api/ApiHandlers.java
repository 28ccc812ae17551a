package dev.faultline.chaos.api;

import dev.faultline.chaos.proxy.ApiException;
import dev.faultline.chaos.proxy.Proxy;
import dev.faultline.chaos.proxy.ProxyRegistry;
import dev.faultline.chaos.proxy.ProxyRegistry.ProxyInput;
import dev.faultline.chaos.toxics.ToxicSpec;
import dev.faultline.chaos.toxics.ToxicType;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** One method per API call: decode, call the registry, encode. Errors are thrown as {@link ApiException}. */
final class ApiHandlers {
    /** What a handler answers: status, body (null: none) and whether the body is a JSON answer. */
    record Answer(int status, String body) {
    }

    private final ProxyRegistry registry;

    ApiHandlers(ProxyRegistry registry) {
        this.registry = registry;
    }

    Answer listProxies() {
        JsonObject out = new JsonObject();
        for (Proxy p : registry.all()) {
            out.put(p.name(), GoJson.proxy(p));
        }
        return new Answer(200, out.encode());
    }

    Answer createProxy(Buffer body) throws ApiException {
        JsonObject o = GoJson.object(GoJson.decode(body), "toxiproxy.Proxy");
        ProxyInput in = proxyInput(o, "Proxy", null);
        return new Answer(201, GoJson.proxy(registry.create(in)).encode());
    }

    private static ProxyInput proxyInput(JsonObject o, String struct, String where) throws ApiException {
        String name = GoJson.string(o, "name", struct, "");
        String listen = GoJson.string(o, "listen", struct, "");
        String upstream = GoJson.string(o, "upstream", struct, "");
        boolean enabled = GoJson.bool(o, "enabled", struct, true);
        String suffix = where == null ? "" : " " + where;
        if (name.isEmpty()) {
            throw ApiException.missingField("name" + suffix);
        }
        if (upstream.isEmpty()) {
            throw ApiException.missingField("upstream" + suffix);
        }
        return new ProxyInput(name, listen, upstream, enabled);
    }

    /** {@code POST /populate}: errors here are part of the JSON answer, with the proxies handled before. */
    Answer populate(Buffer body) {
        List<ProxyInput> inputs = new ArrayList<>();
        try {
            Object decoded = GoJson.decode(body);
            if (!(decoded instanceof JsonArray array)) {
                throw ApiException.badRequest("json: cannot unmarshal " + (decoded instanceof JsonObject ? "object"
                        : "value") + " into Go value of type []struct { toxiproxy.Proxy; Enabled *bool \"json:\\\"enabled\\\"\" }");
            }
            int i = 0;
            for (Object item : array) {
                i++;
                inputs.add(proxyInput(GoJson.object(item, "toxiproxy.Proxy"), "Proxy", "at proxy " + i));
            }
        } catch (ApiException e) {
            return populateAnswer(e, List.of());
        }
        try {
            return populateAnswer(null, registry.populate(inputs));
        } catch (ProxyRegistry.PopulateException e) {
            return populateAnswer(e.apiError(), e.done());
        }
    }

    private static Answer populateAnswer(ApiException error, List<Proxy> proxies) {
        JsonObject out = new JsonObject();
        if (error != null) {
            out.put("error", error.getMessage()).put("status", error.status());
        }
        if (proxies.isEmpty()) {
            out.putNull("proxies");
        } else {
            JsonArray a = new JsonArray();
            proxies.forEach(p -> a.add(GoJson.proxy(p)));
            out.put("proxies", a);
        }
        return new Answer(error == null ? 201 : error.status(), out.encode());
    }

    Answer showProxy(String name) throws ApiException {
        return new Answer(200, GoJson.proxy(registry.get(name)).encode());
    }

    Answer updateProxy(String name, Buffer body) throws ApiException {
        Proxy p = registry.get(name);
        JsonObject o = GoJson.object(GoJson.decode(body), "toxiproxy.Proxy");
        String listen = GoJson.string(o, "listen", "Proxy", p.listen());
        String upstream = GoJson.string(o, "upstream", "Proxy", p.upstream());
        boolean enabled = GoJson.bool(o, "enabled", "Proxy", p.enabled());
        return new Answer(200, GoJson.proxy(registry.update(name, listen, upstream, enabled)).encode());
    }

    Answer deleteProxy(String name) throws ApiException {
        registry.delete(name);
        return new Answer(204, null);
    }

    Answer reset() throws ApiException {
        registry.reset();
        return new Answer(204, null);
    }

    Answer listToxics(String proxy) throws ApiException {
        return new Answer(200, GoJson.toxics(registry.get(proxy).toxics()).encode());
    }

    Answer createToxic(String proxy, Buffer body) throws ApiException {
        Proxy p = registry.get(proxy);
        JsonObject o = GoJson.object(GoJson.decode(body), "toxics.ToxicWrapper");
        String name = GoJson.string(o, "name", "ToxicWrapper", "");
        String type = GoJson.string(o, "type", "ToxicWrapper", "");
        String stream = GoJson.string(o, "stream", "ToxicWrapper", "downstream");
        float toxicity = GoJson.float32(o, "toxicity", "ToxicWrapper", 1.0f);
        // the real server decodes the wrapper once with a noop toxic before it knows the type
        GoJson.object(o, "attributes", "ToxicWrapper.attributes", "toxics.NoopToxic");
        if (ToxicSpec.Direction.parse(stream) == null) {
            throw ApiException.invalidStream();
        }
        if (name.isEmpty()) {
            name = type + "_" + stream;
        }
        ToxicType t = ToxicType.byName(type).orElseThrow(ApiException::invalidToxicType);
        if (p.toxic(name).isPresent()) {
            throw ApiException.toxicExists();
        }
        Map<String, Long> attributes = attributes(o, t, Map.of(), "ToxicWrapper.attributes");
        return new Answer(200, GoJson.toxic(registry.addToxic(proxy, new ToxicSpec(name, t, stream, toxicity,
                attributes))).encode());
    }

    Answer showToxic(String proxy, String toxic) throws ApiException {
        return new Answer(200, GoJson.toxic(registry.get(proxy).toxic(toxic)
                .orElseThrow(ApiException::toxicNotFound)).encode());
    }

    /** Only attributes and toxicity change; name, type and stream stay. */
    Answer updateToxic(String proxy, String toxic, Buffer body) throws ApiException {
        Proxy p = registry.get(proxy);
        ToxicSpec current = p.toxic(toxic).orElseThrow(ApiException::toxicNotFound);
        JsonObject o = GoJson.object(GoJson.decode(body), "struct { Attributes interface {} \"json:\\\"attributes\\\"\"; Toxicity float32 \"json:\\\"toxicity\\\"\" }");
        Map<String, Long> attributes = attributes(o, current.type(), current.attributes(), ".attributes");
        float toxicity = GoJson.float32(o, "toxicity", "Toxicity", current.toxicity());
        ToxicSpec updated = current.with(toxicity, attributes);
        registry.updateToxic(proxy, updated);
        return new Answer(200, GoJson.toxic(updated).encode());
    }

    Answer deleteToxic(String proxy, String toxic) throws ApiException {
        registry.removeToxic(proxy, toxic);
        return new Answer(204, null);
    }

    /**
     * The attributes object merged over {@code base}; unknown keys are ignored as Go ignores them. {@code field}
     * names the attributes in a decoding error as Go does (the update's anonymous struct has no name).
     */
    private static Map<String, Long> attributes(JsonObject o, ToxicType type, Map<String, Long> base, String field)
            throws ApiException {
        Map<String, Long> out = new LinkedHashMap<>(base);
        JsonObject attrs = GoJson.object(o, "attributes", field, "toxics." + type.goStruct());
        if (attrs == null) {
            return out;
        }
        for (String key : type.attributes()) {
            Object v = attrs.getValue(key);
            if (v != null) {
                out.put(key, GoJson.int64(v, type.goStruct() + ".attributes." + key));
            }
        }
        return out;
    }
}
