package dev.faultline.wordgame.http;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonObject;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;

/** What {@code GET /status} answers; changed through {@code PUT /admin/status}, restored by DELETE. */
final class StatusResponse {
    static final long MAX_DELAY_MS = 60_000;
    private static final Set<String> KEYS = Set.of("code", "body", "delayMs");

    record Setting(int code, String body, String contentType, long delayMs) {
        static final Setting DEFAULT = new Setting(200, "{\"status\":\"ok\"}", Exchange.JSON, 0);

        static Setting fromJson(JsonObject o) {
            JsonBodies.onlyKeys(o, KEYS);
            int code = (int) JsonBodies.integer(o, "code", 200, 100, 599);
            long delay = JsonBodies.integer(o, "delayMs", 0, 0, MAX_DELAY_MS);
            Object body = o.getValue("body");
            String text;
            if (body == null) {
                text = code < 400 ? "{\"status\":\"ok\"}" : "{\"status\":\"error\"}";
            } else if (body instanceof String s) {
                text = s;
            } else {
                text = Json.encode(body);
            }
            return new Setting(code, text, isJson(text) ? Exchange.JSON : "text/plain; charset=utf-8", delay);
        }

        JsonObject toJson() {
            return new JsonObject().put("code", code).put("body", body).put("delayMs", delayMs);
        }

        private static boolean isJson(String text) {
            try {
                Json.decodeValue(text);
                return true;
            } catch (DecodeException e) {
                return false;
            }
        }
    }

    private final AtomicReference<Setting> setting = new AtomicReference<>(Setting.DEFAULT);

    Setting current() {
        return setting.get();
    }

    void set(Setting s) {
        setting.set(s);
    }

    void reset() {
        setting.set(Setting.DEFAULT);
    }
}
