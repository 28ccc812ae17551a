package dev.faultline.deploy;

import dev.faultline.perf.prom.PrometheusServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * A real Prometheus (perf's {@link PrometheusServer}: a child process, its config, data and log in {@code dir}) on
 * a given loopback port, and the few calls of its HTTP API these tests make. {@link #close()} stops it.
 */
final class Prometheus implements AutoCloseable {
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(2)).build();

    private final PrometheusServer server;
    private final Path log;

    private Prometheus(PrometheusServer server, Path log) {
        this.server = server;
        this.log = log;
    }

    /** Starts it and waits (at most 30 s) until it answers {@code /-/ready}; throws with its log's path otherwise. */
    static Prometheus start(Path binary, Path dir, String config, int port) throws IOException {
        Path log = dir.resolve("prometheus.log");
        try {
            return new Prometheus(PrometheusServer.start(binary, dir, config, port), log);
        } catch (IOException e) {
            throw new IOException(e.getMessage() + "; see " + log, e);
        }
    }

    String url() {
        return server.url();
    }

    Path log() {
        return log;
    }

    /** A query's answer: {@code status} is "success" or "error" (then {@code error} says why). */
    record Answer(String status, String error, JsonArray result) {
        boolean ok() {
            return "success".equals(status);
        }

        /** Whether any series has any point that is a number (NaN does not count). */
        boolean hasData() {
            for (int i = 0; i < result.size(); i++) {
                JsonObject series = result.getJsonObject(i);
                JsonArray values = series.containsKey("values") ? series.getJsonArray("values")
                        : new JsonArray().add(series.getJsonArray("value"));
                for (int j = 0; j < values.size(); j++) {
                    String v = values.getJsonArray(j).getString(1);
                    if (!v.equals("NaN")) {
                        return true;
                    }
                }
            }
            return false;
        }
    }

    /** {@code /api/v1/query_range} over [start, end] (epoch seconds) every {@code step} seconds. */
    Answer range(String query, long start, long end, int step) throws IOException {
        return answer(get("/api/v1/query_range?query=" + enc(query) + "&start=" + start + "&end=" + end + "&step="
                + step));
    }

    /** {@code /api/v1/query} now. */
    Answer instant(String query) throws IOException {
        return answer(get("/api/v1/query?query=" + enc(query)));
    }

    /** Every metric name Prometheus holds (scraped or recorded). */
    Set<String> metricNames() throws IOException {
        JsonArray names = get("/api/v1/label/__name__/values").getJsonArray("data");
        Set<String> out = new HashSet<>();
        names.forEach(n -> out.add((String) n));
        return out;
    }

    /** The rule groups as {@code /api/v1/rules} reports them (each rule with its health and last error). */
    List<JsonObject> ruleGroups() throws IOException {
        JsonArray groups = get("/api/v1/rules").getJsonObject("data").getJsonArray("groups");
        return groups.stream().map(JsonObject.class::cast).toList();
    }

    private static Answer answer(JsonObject json) {
        JsonObject data = json.getJsonObject("data", new JsonObject());
        return new Answer(json.getString("status"), json.getString("error"),
                data.getJsonArray("result", new JsonArray()));
    }

    private JsonObject get(String pathAndQuery) throws IOException {
        try {
            HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(url() + pathAndQuery))
                    .timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString());
            return new JsonObject(r.body());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    @Override
    public void close() {
        server.close();
    }
}
