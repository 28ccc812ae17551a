package dev.faultline.perf.prom;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * A server-side number of a phase, defined once and computed two ways: as PromQL over the phase's window when a
 * Prometheus server scraped the run, or from two {@code /metrics} snapshots taken at the phase's boundaries.
 * Counters become rates or increases over the window, histograms quantiles (Prometheus's
 * {@code histogram_quantile} interpolation in both paths), gauges their value.
 */
public record Measure(String component, String name, String unit, Kind kind, String metric,
                      List<Matcher> matchers, String other, List<Matcher> otherMatchers, double quantile) {

    public enum Kind {
        /** {@code sum(rate(metric[w]))}, per second. */
        RATE,
        /** {@code sum(increase(metric[w]))}. */
        INCREASE,
        /** {@code sum(rate(metric{m}[w])) / sum(rate(other{om}[w]))}. */
        RATIO,
        /** {@code histogram_quantile(q, sum by (le) (rate(metric_bucket[w])))}, scaled by 1000 (ms). */
        QUANTILE_MS,
        /** {@code max(max_over_time(metric[w]))}; from snapshots: the larger of the two values. */
        MAX
    }

    /** A label matcher: {@code label="value"} or, with {@code regex}, {@code label=~"value"}. */
    public record Matcher(String label, String value, boolean regex) {
        public static Matcher eq(String label, String value) {
            return new Matcher(label, value, false);
        }

        public static Matcher re(String label, String value) {
            return new Matcher(label, value, true);
        }

        boolean matches(String actual) {
            String a = actual == null ? "" : actual;
            return regex ? Pattern.matches(value, a) : value.equals(a);
        }

        String promql() {
            return label + (regex ? "=~" : "=") + '"' + value.replace("\\", "\\\\").replace("\"", "\\\"") + '"';
        }
    }

    /** Component and name: {@code proxy.retries}. */
    public String id() {
        return component + "." + name;
    }

    /** The PromQL of this measure over a window of {@code windowSeconds}, restricted to the component's job. */
    public String promql(long windowSeconds) {
        String w = "[" + windowSeconds + "s]";
        return switch (kind) {
            case RATE -> "sum(rate(" + selector(metric, matchers) + w + "))";
            case INCREASE -> "sum(increase(" + selector(metric, matchers) + w + "))";
            case RATIO -> "sum(rate(" + selector(metric, matchers) + w + ")) / sum(rate("
                    + selector(other, otherMatchers) + w + "))";
            case QUANTILE_MS -> "histogram_quantile(" + quantile + ", sum by (le) (rate("
                    + selector(metric + "_bucket", matchers) + w + "))) * 1000";
            case MAX -> "max(max_over_time(" + selector(metric, matchers) + w + "))";
        };
    }

    private String selector(String name, List<Matcher> ms) {
        List<Matcher> all = new ArrayList<>();
        all.add(Matcher.eq("job", component));
        all.addAll(ms);
        return name + all.stream().map(Matcher::promql).collect(Collectors.joining(",", "{", "}"));
    }

    /**
     * The same number from snapshots at the window's start and end (NaN when it is undefined, e.g. a ratio of no
     * requests); counter resets between the two count from zero.
     */
    public double fromSnapshots(MetricsSnapshot start, MetricsSnapshot end) {
        double seconds = (end.epochMillis() - start.epochMillis()) / 1000.0;
        return switch (kind) {
            case RATE -> seconds <= 0 ? Double.NaN : increase(start, end, metric, matchers) / seconds;
            case INCREASE -> increase(start, end, metric, matchers);
            case RATIO -> {
                double den = increase(start, end, other, otherMatchers);
                yield den == 0 ? Double.NaN : increase(start, end, metric, matchers) / den;
            }
            case QUANTILE_MS -> quantile(start, end) * 1000;
            case MAX -> {
                List<MetricsSnapshot.Sample> a = start.select(metric, matchers);
                List<MetricsSnapshot.Sample> b = end.select(metric, matchers);
                yield a.isEmpty() && b.isEmpty() ? Double.NaN
                        : Math.max(a.stream().mapToDouble(MetricsSnapshot.Sample::value).max().orElse(Double.NEGATIVE_INFINITY),
                        b.stream().mapToDouble(MetricsSnapshot.Sample::value).max().orElse(Double.NEGATIVE_INFINITY));
            }
        };
    }

    /** Sum over series of end - start (end alone when the counter went down: a restart). */
    private static double increase(MetricsSnapshot start, MetricsSnapshot end, String name, List<Matcher> ms) {
        Map<Map<String, String>, Double> before = new java.util.HashMap<>();
        start.select(name, ms).forEach(s -> before.put(s.labels(), s.value()));
        double sum = 0;
        for (MetricsSnapshot.Sample s : end.select(name, ms)) {
            double b = before.getOrDefault(s.labels(), 0.0);
            sum += s.value() >= b ? s.value() - b : s.value();
        }
        return sum;
    }

    /** Prometheus's histogram_quantile over the bucket increases summed by {@code le}. */
    private double quantile(MetricsSnapshot start, MetricsSnapshot end) {
        TreeMap<Double, Double> buckets = new TreeMap<>();
        String bucket = metric + "_bucket";
        Map<Map<String, String>, Double> before = new java.util.HashMap<>();
        start.select(bucket, matchers).forEach(s -> before.put(s.labels(), s.value()));
        for (MetricsSnapshot.Sample s : end.select(bucket, matchers)) {
            double b = before.getOrDefault(s.labels(), 0.0);
            double inc = s.value() >= b ? s.value() - b : s.value();
            String le = s.labels().get("le");
            double bound = le.equals("+Inf") ? Double.POSITIVE_INFINITY : Double.parseDouble(le);
            buckets.merge(bound, inc, Double::sum);
        }
        return histogramQuantile(quantile, buckets);
    }

    /** {@code histogram_quantile}: linear interpolation inside the bucket holding the rank. */
    static double histogramQuantile(double q, TreeMap<Double, Double> cumulative) {
        if (cumulative.isEmpty() || !cumulative.lastKey().isInfinite()) {
            return Double.NaN;
        }
        double total = cumulative.lastEntry().getValue();
        if (total == 0) {
            return Double.NaN;
        }
        double rank = q * total;
        double lowerBound = 0;
        double lowerCount = 0;
        for (Map.Entry<Double, Double> e : cumulative.entrySet()) {
            if (e.getValue() >= rank) {
                if (e.getKey().isInfinite()) {
                    return lowerBound;
                }
                double inBucket = e.getValue() - lowerCount;
                return inBucket == 0 ? e.getKey()
                        : lowerBound + (e.getKey() - lowerBound) * (rank - lowerCount) / inBucket;
            }
            lowerBound = e.getKey();
            lowerCount = e.getValue();
        }
        return lowerBound;
    }

    /** The measures a run captures per phase, for the word-game server and the proxy. */
    public static List<Measure> standard() {
        List<Measure> out = new ArrayList<>();
        for (String[] c : new String[][] {{"wordgame", "http_server_requests_seconds"}, {"proxy", "proxy_requests_seconds"}}) {
            String component = c[0];
            String requests = c[1];
            out.add(new Measure(component, "requestRate", "req/s", Kind.RATE, requests + "_count", List.of(), null,
                    List.of(), 0));
            out.add(new Measure(component, "errorRatio", "ratio", Kind.RATIO, requests + "_count",
                    List.of(Matcher.re("status", "5..")), requests + "_count", List.of(), 0));
            out.add(new Measure(component, "p50", "ms", Kind.QUANTILE_MS, requests, List.of(), null, List.of(), 0.5));
            out.add(new Measure(component, "p99", "ms", Kind.QUANTILE_MS, requests, List.of(), null, List.of(), 0.99));
            out.add(new Measure(component, "cpuPerRequest", "CPU s/req", Kind.RATIO, "process_cpu_seconds_total",
                    List.of(), requests + "_count", List.of(), 0));
            out.add(new Measure(component, "cpuUsage", "cores", Kind.RATE, "process_cpu_seconds_total", List.of(), null,
                    List.of(), 0));
        }
        out.add(new Measure("proxy", "retries", "requests", Kind.INCREASE, "proxy_retries_total", List.of(), null,
                List.of(), 0));
        out.add(new Measure("proxy", "timeouts", "attempts", Kind.INCREASE, "proxy_timeouts_total", List.of(), null,
                List.of(), 0));
        out.add(new Measure("proxy", "breakerRejections", "requests", Kind.INCREASE,
                "proxy_breaker_rejections_total", List.of(), null, List.of(), 0));
        out.add(new Measure("proxy", "breakerOpen", "0/1", Kind.MAX, "resilience4j_circuitbreaker_state",
                List.of(Matcher.eq("state", "open")), null, List.of(), 0));
        out.add(new Measure("proxy", "rateLimited", "requests", Kind.INCREASE, "proxy_rate_limited_total", List.of(),
                null, List.of(), 0));
        // the word-game server's TLS listener (connection-storm): handshakes by outcome, resumption, their cost
        List<Matcher> ok = List.of(Matcher.eq("outcome", "success"));
        String handshakes = "wordgame_tls_handshakes_total";
        out.add(new Measure("wordgame", "handshakeRate", "handshakes/s", Kind.RATE, handshakes, ok, null, List.of(), 0));
        out.add(new Measure("wordgame", "resumedRatio", "ratio", Kind.RATIO, handshakes,
                List.of(Matcher.eq("outcome", "success"), Matcher.eq("resumed", "true")), handshakes, ok, 0));
        out.add(new Measure("wordgame", "handshakeFailures", "handshakes", Kind.INCREASE,
                "wordgame_tls_handshake_failures_total", List.of(), null, List.of(), 0));
        out.add(new Measure("wordgame", "handshakesPerCpuSecond", "handshakes/CPU s", Kind.RATIO, handshakes, ok,
                "process_cpu_seconds_total", List.of(), 0));
        out.sort(Comparator.comparing(Measure::component).reversed());
        return List.copyOf(out);
    }

    /** A standard measure by id ({@code proxy.retries}), or null. */
    public static Measure byId(String id) {
        return standard().stream().filter(m -> m.id().equals(id)).findFirst().orElse(null);
    }
}
