package dev.faultline.perf.prom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class MeasureTest {
    private static final String START = """
            # TYPE proxy_requests_seconds histogram
            proxy_requests_seconds_bucket{route="r",status="200",le="0.01"} 10
            proxy_requests_seconds_bucket{route="r",status="200",le="0.1"} 10
            proxy_requests_seconds_bucket{route="r",status="200",le="+Inf"} 10
            proxy_requests_seconds_count{route="r",status="200"} 10
            proxy_requests_seconds_count{route="r",status="503"} 0
            proxy_retries_total{route="r",reason="status_5xx"} 5
            process_cpu_seconds_total 2.0
            resilience4j_circuitbreaker_state{name="r",state="open"} 0
            """;
    private static final String END = """
            proxy_requests_seconds_bucket{route="r",status="200",le="0.01"} 60
            proxy_requests_seconds_bucket{route="r",status="200",le="0.1"} 110
            proxy_requests_seconds_bucket{route="r",status="200",le="+Inf"} 110
            proxy_requests_seconds_count{route="r",status="200"} 110
            proxy_requests_seconds_count{route="r",status="503"} 100
            proxy_retries_total{route="r",reason="status_5xx"} 25
            process_cpu_seconds_total 4.0
            resilience4j_circuitbreaker_state{name="r",state="open"} 1
            """;

    private static double value(String id) {
        return Measure.byId(id).fromSnapshots(MetricsSnapshot.parse(0, START), MetricsSnapshot.parse(10_000, END));
    }

    @Test
    void snapshotsGiveRatesIncreasesRatiosAndQuantiles() {
        assertThat(value("proxy.requestRate")).isCloseTo(20.0, within(1e-9));
        assertThat(value("proxy.errorRatio")).isCloseTo(0.5, within(1e-9));
        assertThat(value("proxy.retries")).isCloseTo(20.0, within(1e-9));
        assertThat(value("proxy.cpuPerRequest")).isCloseTo(0.01, within(1e-9));
        assertThat(value("proxy.breakerOpen")).isEqualTo(1.0);
        // 100 new observations: 50 in (0, 10 ms], 50 in (10, 100 ms]; the median is the top of the first bucket
        assertThat(value("proxy.p50")).isCloseTo(10.0, within(1e-9));
        assertThat(value("proxy.p99")).isCloseTo(10 + 90 * 49.0 / 50, within(1e-9));
        assertThat(value("proxy.rateLimited")).isZero();
    }

    @Test
    void aCounterThatWentDownRestartedFromZero() {
        MetricsSnapshot a = MetricsSnapshot.parse(0, "proxy_retries_total{route=\"r\"} 50\n");
        MetricsSnapshot b = MetricsSnapshot.parse(1000, "proxy_retries_total{route=\"r\"} 7\n");
        assertThat(Measure.byId("proxy.retries").fromSnapshots(a, b)).isEqualTo(7.0);
    }

    @Test
    void noRequestsMeansNoRatio() {
        MetricsSnapshot empty = MetricsSnapshot.parse(0, "");
        assertThat(Measure.byId("proxy.errorRatio").fromSnapshots(empty, empty)).isNaN();
        assertThat(Measure.byId("proxy.p99").fromSnapshots(empty, empty)).isNaN();
    }

    @Test
    void histogramQuantileInterpolatesLikePrometheus() {
        TreeMap<Double, Double> b = new TreeMap<>();
        b.put(0.1, 0.0);
        b.put(0.2, 100.0);
        b.put(Double.POSITIVE_INFINITY, 100.0);
        assertThat(Measure.histogramQuantile(0.5, b)).isCloseTo(0.15, within(1e-9));
        b.put(Double.POSITIVE_INFINITY, 200.0);
        assertThat(Measure.histogramQuantile(0.99, b)).as("rank in +Inf: the highest finite bound").isEqualTo(0.2);
    }

    @Test
    void promqlIsScopedToTheComponentsJob() {
        assertThat(Measure.byId("proxy.errorRatio").promql(12)).isEqualTo(
                "sum(rate(proxy_requests_seconds_count{job=\"proxy\",status=~\"5..\"}[12s]))"
                        + " / sum(rate(proxy_requests_seconds_count{job=\"proxy\"}[12s]))");
        assertThat(Measure.byId("wordgame.p99").promql(5)).isEqualTo(
                "histogram_quantile(0.99, sum by (le) (rate(http_server_requests_seconds_bucket{job=\"wordgame\"}[5s]))) * 1000");
        assertThat(Measure.standard()).extracting(Measure::id).contains("proxy.retries", "proxy.breakerOpen",
                "proxy.rateLimited", "wordgame.cpuPerRequest");
    }

    @Test
    void labelsWithEscapesParse() {
        MetricsSnapshot s = MetricsSnapshot.parse(0, "m{a=\"x\\\"y\",b=\"1,2\"} 3 1700000000\n");
        assertThat(s.select("m", List.of(Measure.Matcher.eq("a", "x\"y")))).hasSize(1);
        assertThat(s.sum("m", List.of(Measure.Matcher.eq("b", "1,2")))).isEqualTo(3.0);
    }
}
