package dev.faultline.perf.prom;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Prometheus's HTTP query API: instant and range queries, answers as series of (time, value) points. */
public final class PromClient {
    private static final Duration TIMEOUT = Duration.ofSeconds(10);
    private final String base;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(3)).build();

    public PromClient(String baseUrl) {
        this.base = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
    }

    /** One series: its labels and its points ({@code [epochSeconds, value]}). */
    public record Series(Map<String, String> labels, List<double[]> points) {
        /** The last point's value (NaN when empty). */
        public double last() {
            return points.isEmpty() ? Double.NaN : points.get(points.size() - 1)[1];
        }
    }

    /** {@code /api/v1/query} at {@code epochSeconds}. */
    public List<Series> instant(String query, double epochSeconds) throws IOException {
        return get("/api/v1/query?query=" + enc(query) + "&time=" + epochSeconds);
    }

    /** {@code /api/v1/query_range} from {@code start} to {@code end} (epoch seconds) every {@code stepSeconds}. */
    public List<Series> range(String query, double start, double end, double stepSeconds) throws IOException {
        return get("/api/v1/query_range?query=" + enc(query) + "&start=" + start + "&end=" + end + "&step=" + stepSeconds);
    }

    /** A single number: the sum of an instant query's values at {@code epochSeconds} (NaN when it has none). */
    public double scalar(String query, double epochSeconds) throws IOException {
        List<Series> s = instant(query, epochSeconds);
        if (s.isEmpty()) {
            return Double.NaN;
        }
        double sum = 0;
        for (Series x : s) {
            sum += x.last();
        }
        return sum;
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    private List<Series> get(String pathAndQuery) throws IOException {
        HttpResponse<String> r;
        try {
            r = http.send(HttpRequest.newBuilder(URI.create(base + pathAndQuery)).timeout(TIMEOUT).build(),
                    HttpResponse.BodyHandlers.ofString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted querying prometheus", e);
        }
        JsonObject body;
        try {
            body = new JsonObject(r.body());
        } catch (DecodeException e) {
            throw new IOException("prometheus answered " + r.statusCode() + " without JSON");
        }
        if (!"success".equals(body.getString("status"))) {
            throw new IOException("prometheus: " + body.getString("errorType") + ": " + body.getString("error"));
        }
        JsonObject data = body.getJsonObject("data");
        List<Series> out = new ArrayList<>();
        String type = data.getString("resultType");
        if (type.equals("scalar")) {
            out.add(new Series(Map.of(), List.of(point(data.getJsonArray("result")))));
            return out;
        }
        for (Object o : data.getJsonArray("result")) {
            JsonObject s = (JsonObject) o;
            Map<String, String> labels = new LinkedHashMap<>();
            s.getJsonObject("metric", new JsonObject()).forEach(e -> labels.put(e.getKey(), String.valueOf(e.getValue())));
            List<double[]> points = new ArrayList<>();
            if (s.containsKey("value")) {
                points.add(point(s.getJsonArray("value")));
            } else {
                for (Object v : s.getJsonArray("values")) {
                    points.add(point((JsonArray) v));
                }
            }
            out.add(new Series(Map.copyOf(labels), points));
        }
        return out;
    }

    private static double[] point(JsonArray a) {
        return new double[] {((Number) a.getValue(0)).doubleValue(), number(a.getString(1))};
    }

    /** Prometheus's sample values: decimal, {@code +Inf}, {@code -Inf}, {@code NaN}. */
    static double number(String s) {
        return switch (s) {
            case "+Inf", "Inf" -> Double.POSITIVE_INFINITY;
            case "-Inf" -> Double.NEGATIVE_INFINITY;
            case "NaN" -> Double.NaN;
            default -> Double.parseDouble(s);
        };
    }
}
