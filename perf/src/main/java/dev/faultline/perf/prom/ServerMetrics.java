package dev.faultline.perf.prom;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The server side of one experiment: with a Prometheus (started for the run, or {@code PROMETHEUS_URL}) the
 * standard {@link Measure}s are PromQL over each phase's window and their time series are range queries; without
 * one, {@code /metrics} of each component is snapshotted at every phase boundary and the same measures come from
 * the differences (no time series then), and the result says so.
 */
public final class ServerMetrics {
    private static final Logger LOG = LoggerFactory.getLogger(ServerMetrics.class);
    /** Window of the rates in the time series. */
    public static final int SERIES_WINDOW_SECONDS = 5;

    /** One phase's window. */
    public record Window(String phase, long startMillis, long endMillis) {
        long seconds() {
            return Math.max(1, Math.round((endMillis - startMillis) / 1000.0));
        }
    }

    private final PromClient prometheus;
    private final String source;
    private final Map<String, String> targets;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(3)).build();
    /** Snapshots per boundary (phase start): component -> snapshot; bounded by the number of phases. */
    private final Map<String, Map<String, MetricsSnapshot>> snapshots = new LinkedHashMap<>();

    /**
     * @param prometheusUrl a Prometheus that scrapes {@code targets} with job names = components, or null for the
     *                      snapshot fallback
     * @param source        how the numbers were obtained, for the report (e.g. "prometheus 2.42 started for the run")
     * @param targets       component -> its {@code /metrics} URL
     */
    public ServerMetrics(String prometheusUrl, String source, Map<String, String> targets) {
        this.prometheus = prometheusUrl == null ? null : new PromClient(prometheusUrl);
        this.source = source;
        this.targets = Map.copyOf(targets);
    }

    public boolean usesPrometheus() {
        return prometheus != null;
    }

    public String source() {
        return source;
    }

    /** A phase boundary: in snapshot mode, scrapes every component now under {@code key}. */
    public void boundary(String key) {
        if (prometheus != null) {
            return;
        }
        Map<String, MetricsSnapshot> now = new LinkedHashMap<>();
        targets.forEach((component, url) -> {
            try {
                now.put(component, MetricsSnapshot.scrape(http, url));
            } catch (IOException e) {
                LOG.warn("snapshot of {} at {}: {}", component, key, e.getMessage());
            }
        });
        synchronized (this) {
            snapshots.put(key, now);
        }
    }

    /** The value of a standard measure over a window (NaN when undefined or unavailable). */
    public double value(Measure m, Window w, String endKey) throws IOException {
        if (prometheus != null) {
            return prometheus.scalar(m.promql(w.seconds()), w.endMillis() / 1000.0);
        }
        Map<String, MetricsSnapshot> a = snapshots.get(w.phase());
        Map<String, MetricsSnapshot> b = snapshots.get(endKey);
        if (a == null || b == null || a.get(m.component()) == null || b.get(m.component()) == null) {
            return Double.NaN;
        }
        return m.fromSnapshots(a.get(m.component()), b.get(m.component()));
    }

    /** A PromQL hypothesis' value: {@code $window} in the query becomes the phase's window, e.g. {@code [12s]}. */
    public double promql(String query, Window w) throws IOException {
        if (prometheus == null) {
            throw new IOException("needs a Prometheus (none installed: install one or set PROMETHEUS_BIN/PROMETHEUS_URL)");
        }
        return prometheus.scalar(query.replace("$window", "[" + w.seconds() + "s]"), w.endMillis() / 1000.0);
    }

    /**
     * Every standard measure for every phase, plus (with Prometheus) their 1 s time series over the whole
     * experiment. Phase boundaries in snapshot mode are keyed by phase name; {@code endKey} is the key of the
     * snapshot taken when the last phase ended.
     */
    public JsonObject capture(List<Window> windows, String endKey) {
        JsonObject out = new JsonObject().put("source", source).put("prometheus", prometheus != null);
        JsonObject definitions = new JsonObject();
        for (Measure m : Measure.standard()) {
            definitions.put(m.id(), new JsonObject().put("unit", m.unit()).put("promql", m.promql(10).replace("[10s]", "$window")));
        }
        out.put("measures", definitions);
        JsonObject phases = new JsonObject();
        for (int i = 0; i < windows.size(); i++) {
            Window w = windows.get(i);
            String end = i + 1 < windows.size() ? windows.get(i + 1).phase() : endKey;
            JsonObject values = new JsonObject();
            for (Measure m : Measure.standard()) {
                try {
                    double v = value(m, w, end);
                    values.put(m.id(), Double.isFinite(v) ? v : null);
                } catch (IOException e) {
                    values.put(m.id(), null);
                    out.put("error", e.getMessage());
                }
            }
            phases.put(w.phase(), values);
        }
        out.put("phases", phases);
        if (prometheus != null && !windows.isEmpty()) {
            JsonObject series = new JsonObject();
            double start = windows.get(0).startMillis() / 1000.0;
            double end = windows.get(windows.size() - 1).endMillis() / 1000.0;
            for (Measure m : Measure.standard()) {
                try {
                    JsonArray points = new JsonArray();
                    for (PromClient.Series s : prometheus.range(m.promql(SERIES_WINDOW_SECONDS), start, end, 1)) {
                        for (double[] p : s.points()) {
                            if (Double.isFinite(p[1])) {
                                points.add(new JsonArray().add((long) (p[0] * 1000)).add(p[1]));
                            }
                        }
                    }
                    series.put(m.id(), points);
                } catch (IOException e) {
                    out.put("error", e.getMessage());
                }
            }
            out.put("series", series);
        }
        return out;
    }
}
