package dev.faultline.deploy;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * A real Prometheus as a child process on a free loopback port, with the given configuration and its data in
 * {@code dir}, and the few calls of its HTTP API these tests make. {@link #close()} stops it (SIGTERM, then kill).
 */
final class Prometheus implements AutoCloseable {
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(2)).build();

    private final Process process;
    private final int port;
    private final Path log;

    private Prometheus(Process process, int port, Path log) {
        this.process = process;
        this.port = port;
        this.log = log;
    }

    /** Starts it and waits (at most 30 s) until it answers {@code /-/ready}; throws with its log's path otherwise. */
    static Prometheus start(Path binary, Path dir, String config, int port) throws IOException {
        Files.createDirectories(dir);
        Path file = dir.resolve("prometheus.yml");
        Files.writeString(file, config);
        Path log = dir.resolve("prometheus.log");
        Process p = new ProcessBuilder(binary.toString(), "--config.file=" + file,
                "--storage.tsdb.path=" + dir.resolve("data"), "--web.listen-address=127.0.0.1:" + port,
                "--log.level=warn").redirectErrorStream(true).redirectOutput(log.toFile()).start();
        Prometheus prometheus = new Prometheus(p, port, log);
        try {
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (!prometheus.ready()) {
                if (!p.isAlive()) {
                    throw new IOException("prometheus exited with " + p.exitValue() + "; see " + log);
                }
                if (System.nanoTime() > end) {
                    throw new IOException("prometheus not ready within 30 s; see " + log);
                }
                Thread.sleep(100);
            }
        } catch (IOException | RuntimeException e) {
            prometheus.close();
            throw e;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            prometheus.close();
            throw new IOException("interrupted", e);
        }
        return prometheus;
    }

    private boolean ready() {
        try {
            return HTTP.send(HttpRequest.newBuilder(URI.create(url() + "/-/ready")).timeout(Duration.ofSeconds(2))
                    .build(), HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    String url() {
        return "http://127.0.0.1:" + port;
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
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }
}
