package dev.faultline.proxy.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** A request head must arrive within limits.headerTimeout of its first byte, however slowly its bytes trickle in. */
class HeadTimeoutTest {
    private static final int SLOW = 500;
    private static final Duration HEADER_TIMEOUT = Duration.ofSeconds(1);
    /** Room for a busy 2-core machine (other builds, the 500 connections themselves). */
    private static final Duration TOLERANCE = Duration.ofSeconds(3);

    @Test
    void fiveHundredSlowHeadsGet408AndCloseWithinTheBoundWhileOtherRequestsKeepTheirLatency() throws Exception {
        try (TestUpstream upstream = new TestUpstream();
             RunningProxy proxy = new RunningProxy("limits: {headerTimeout: 1s, idleTimeout: 60s}\npaths:\n"
                     + "- path: /*\n  forwardPort: " + upstream.port() + "\n")) {
            long[] alone = latencies(proxy, 400, null);
            String head = "GET /slow HTTP/1.1\r\nHost: x\r\nX-Pad: " + "p".repeat(500) + "\r\n\r\n";
            List<SlowClients.Outcome> outcomes;
            long[] during;
            try (SlowClients slow = new SlowClients(proxy.port, SLOW, head, Duration.ofMillis(100),
                    HEADER_TIMEOUT.plus(TOLERANCE).plusSeconds(5))) {
                during = latencies(proxy, 400, slow);
                outcomes = slow.outcomes.get(30, TimeUnit.SECONDS);
            }
            System.out.printf("normal GETs alone: p50 %.2f ms, p99 %.2f ms; beside %d slow heads: p50 %.2f ms, p99 %.2f ms (%d GETs)%n",
                    ms(alone, 50), ms(alone, 99), SLOW, ms(during, 50), ms(during, 99), during.length);
            long open = outcomes.stream().filter(o -> o.closedAfterNanos() < 0).count();
            assertThat(open).as("slow connections still open after %s", HEADER_TIMEOUT.plus(TOLERANCE).plusSeconds(5)).isZero();
            Duration latest = outcomes.stream().map(SlowClients.Outcome::closedAfter).max(Duration::compareTo).orElseThrow();
            Duration earliest = outcomes.stream().map(SlowClients.Outcome::closedAfter).min(Duration::compareTo).orElseThrow();
            System.out.printf("slow heads closed %d to %d ms after their first byte%n", earliest.toMillis(), latest.toMillis());
            assertThat(earliest).isGreaterThanOrEqualTo(HEADER_TIMEOUT.minusMillis(100));
            assertThat(latest).isLessThanOrEqualTo(HEADER_TIMEOUT.plus(TOLERANCE));
            assertThat(outcomes).allSatisfy(o -> {
                assertThat(o.answer()).startsWith("HTTP/1.1 408 Request Timeout\r\n").containsIgnoringCase("\r\nConnection: close\r\n")
                        .containsIgnoringCase("\r\nContent-Type: application/json\r\n")
                        .endsWith("{\"error\":\"request head not received within 1000 ms\"}");
            });
            assertThat(upstream.uris).doesNotContain("/slow");
            assertThat(ms(during, 99)).as("p99 beside the slow heads, ms").isLessThan(250);
            assertThat(ms(during, 50)).as("p50 beside the slow heads against alone, ms").isLessThan(10 * ms(alone, 50) + 5);
        }
    }

    /** Latencies of GETs one after another: {@code count} of them, or while {@code slow} is not done if given. */
    private static long[] latencies(RunningProxy proxy, int count, SlowClients slow) throws Exception {
        List<Long> nanos = new ArrayList<>();
        while (slow == null ? nanos.size() < count : !slow.done() || nanos.size() < count) {
            long start = System.nanoTime();
            assertThat(proxy.get("/fast").statusCode()).isEqualTo(200);
            nanos.add(System.nanoTime() - start);
            if (slow != null && slow.done() && nanos.size() >= count) {
                break;
            }
        }
        return nanos.stream().mapToLong(Long::longValue).sorted().toArray();
    }

    private static double ms(long[] sorted, int percentile) {
        int i = (int) Math.ceil(percentile / 100.0 * sorted.length) - 1;
        return sorted[Math.max(0, i)] / 1e6;
    }
}
