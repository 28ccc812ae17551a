package dev.faultline.deploy;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A process's JSON log (Logback's JsonEncoder, one object per line), read back for assertions. */
final class JsonLog {
    /** One line: level, logger, message and the key-value pairs ({@code kvpList}). */
    record Line(String level, String logger, String message, Map<String, String> values) {
    }

    private JsonLog() {
    }

    /** Every JSON line so far; a line that is not JSON fails, as every line our processes write must be. */
    static List<Line> read(Path log) throws IOException {
        List<Line> out = new ArrayList<>();
        if (!Files.exists(log)) {
            return out;
        }
        List<String> lines = Files.readAllLines(log);
        for (int i = 0; i < lines.size(); i++) {
            String text = lines.get(i);
            if (text.isBlank() || (i == lines.size() - 1 && !text.endsWith("}"))) {
                continue; // the last line may still be being written
            }
            JsonObject o = new JsonObject(text);
            Map<String, String> values = new LinkedHashMap<>();
            for (Object kv : o.getJsonArray("kvpList", new JsonArray())) {
                ((JsonObject) kv).forEach(e -> values.put(e.getKey(), String.valueOf(e.getValue())));
            }
            out.add(new Line(o.getString("level"), o.getString("loggerName"), o.getString("formattedMessage"), values));
        }
        return out;
    }
}
