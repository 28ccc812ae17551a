package dev.faultline.perf.prom;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One scrape of a Prometheus text exposition, taken when no Prometheus server is available: the samples by
 * metric name with their labels, and the time it was taken.
 */
public record MetricsSnapshot(long epochMillis, Map<String, List<Sample>> samples) {
    /** The largest exposition read. */
    public static final int MAX_BYTES = 8 << 20;

    public record Sample(Map<String, String> labels, double value) {
    }

    /** Scrapes {@code url} (a {@code /metrics} endpoint) with a 5 s timeout. */
    public static MetricsSnapshot scrape(HttpClient http, String url) throws IOException {
        long now = System.currentTimeMillis();
        try {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5))
                    .header("Accept", "text/plain; version=0.0.4").build(), HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200) {
                throw new IOException("GET " + url + " answered " + r.statusCode());
            }
            if (r.body().length() > MAX_BYTES) {
                throw new IOException("GET " + url + ": exposition larger than " + MAX_BYTES + " bytes");
            }
            return parse(now, r.body());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted scraping " + url, e);
        }
    }

    /** Parses the text format (comments skipped; {@code name{labels} value [timestamp]}). */
    public static MetricsSnapshot parse(long epochMillis, String text) {
        Map<String, List<Sample>> out = new LinkedHashMap<>();
        for (String line : text.split("\n")) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            int brace = line.indexOf('{');
            int space = line.indexOf(' ');
            String name;
            Map<String, String> labels = new LinkedHashMap<>();
            String rest;
            if (brace >= 0 && (space < 0 || brace < space)) {
                name = line.substring(0, brace);
                int end = parseLabels(line, brace + 1, labels);
                rest = line.substring(end + 1).strip();
            } else {
                name = line.substring(0, space);
                rest = line.substring(space + 1).strip();
            }
            int sp = rest.indexOf(' ');
            String v = sp < 0 ? rest : rest.substring(0, sp);
            double value = PromClient.number(v);
            out.computeIfAbsent(name, k -> new ArrayList<>()).add(new Sample(Map.copyOf(labels), value));
        }
        return new MetricsSnapshot(epochMillis, out);
    }

    /** Reads {@code a="x",b="y"} from {@code from}; returns the index of the closing brace. */
    private static int parseLabels(String line, int from, Map<String, String> labels) {
        int i = from;
        while (i < line.length() && line.charAt(i) != '}') {
            int eq = line.indexOf('=', i);
            String key = line.substring(i, eq).strip();
            int q = eq + 2;
            StringBuilder value = new StringBuilder();
            while (line.charAt(q) != '"') {
                char c = line.charAt(q);
                if (c == '\\') {
                    char n = line.charAt(++q);
                    value.append(n == 'n' ? '\n' : n);
                } else {
                    value.append(c);
                }
                q++;
            }
            labels.put(key, value.toString());
            i = q + 1;
            if (i < line.length() && line.charAt(i) == ',') {
                i++;
            }
        }
        return i;
    }

    /** The samples of {@code name} whose labels match every matcher. */
    public List<Sample> select(String name, List<Measure.Matcher> matchers) {
        List<Sample> out = new ArrayList<>();
        for (Sample s : samples.getOrDefault(name, List.of())) {
            if (matchers.stream().allMatch(m -> m.matches(s.labels().get(m.label())))) {
                out.add(s);
            }
        }
        return out;
    }

    /** The sum of the matching samples (0 when none). */
    public double sum(String name, List<Measure.Matcher> matchers) {
        return select(name, matchers).stream().mapToDouble(Sample::value).sum();
    }
}
