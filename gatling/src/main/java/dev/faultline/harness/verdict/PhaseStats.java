package dev.faultline.harness.verdict;

import java.util.Map;
import java.util.TreeMap;
import org.HdrHistogram.Histogram;

/** What the load saw in one phase: response times (µs, HdrHistogram, 3 digits) and answers by status code. */
public final class PhaseStats {
    /** Status recorded for a request that got no HTTP answer (connection refused, reset, timed out). */
    public static final int NO_ANSWER = 0;
    private static final long MAX_MICROS = 3_600_000_000L;

    private final Histogram micros = new Histogram(MAX_MICROS, 3);
    private final Map<Integer, Long> statuses = new TreeMap<>();
    private long count;

    public synchronized void record(int status, long responseMicros) {
        micros.recordValue(Math.max(0, Math.min(MAX_MICROS, responseMicros)));
        statuses.merge(status, 1L, Long::sum);
        count++;
    }

    public synchronized long count() {
        return count;
    }

    public synchronized long countOf(int status) {
        return statuses.getOrDefault(status, 0L);
    }

    /** Share of 2xx and 3xx answers; 1.0 for an empty phase. */
    public synchronized double successRatio() {
        if (count == 0) {
            return 1.0;
        }
        long ok = statuses.entrySet().stream().filter(e -> e.getKey() >= 200 && e.getKey() < 400)
                .mapToLong(Map.Entry::getValue).sum();
        return (double) ok / count;
    }

    public synchronized double percentileMillis(double percentile) {
        return count == 0 ? 0 : micros.getValueAtPercentile(percentile) / 1000.0;
    }

    public synchronized Map<Integer, Long> statuses() {
        return new TreeMap<>(statuses);
    }
}
