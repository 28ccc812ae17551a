package dev.faultline.harness.verdict;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.TreeMap;
import org.HdrHistogram.Histogram;

/**
 * What the load saw second by second: requests started, answered with an error (no answer or 5xx), and latency
 * percentiles. At most {@link #MAX_SECONDS} buckets (a run longer than that keeps its first hour).
 */
public final class TimeSeries {
    public static final int MAX_SECONDS = 3600;
    private final TreeMap<Long, Bucket> buckets = new TreeMap<>();

    private static final class Bucket {
        final Histogram latency = new Histogram(60_000_000L, 2);
        long requests;
        long errors;
    }

    /** Records a request by the epoch second it started in. */
    public synchronized void record(long startEpochMillis, int status, long responseMicros) {
        long second = startEpochMillis / 1000;
        Bucket b = buckets.get(second);
        if (b == null) {
            if (buckets.size() >= MAX_SECONDS) {
                return;
            }
            b = new Bucket();
            buckets.put(second, b);
        }
        b.requests++;
        if (status == PhaseStats.NO_ANSWER || status >= 500) {
            b.errors++;
        }
        b.latency.recordValue(Math.min(Math.max(responseMicros, 0), b.latency.getHighestTrackableValue()));
    }

    /** {@code [{t: epochMillis, requests, errors, p50Millis, p99Millis}]}, one per second with requests. */
    public synchronized JsonArray toJson() {
        JsonArray out = new JsonArray();
        buckets.forEach((second, b) -> out.add(new JsonObject().put("t", second * 1000).put("requests", b.requests)
                .put("errors", b.errors).put("p50Millis", b.latency.getValueAtPercentile(50) / 1000.0)
                .put("p99Millis", b.latency.getValueAtPercentile(99) / 1000.0)));
        return out;
    }
}
