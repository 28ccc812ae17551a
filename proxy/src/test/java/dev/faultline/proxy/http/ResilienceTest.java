package dev.faultline.proxy.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Retries, timeouts, the circuit breaker and the rate limiter, proved by what a real upstream counts. */
class ResilienceTest {
    private TestUpstream upstream;

    @BeforeEach
    void start() throws Exception {
        upstream = new TestUpstream();
    }

    @AfterEach
    void stop() throws Exception {
        upstream.close();
    }

    private RunningProxy proxy(String routeExtras) {
        return new RunningProxy("paths:\n- path: \"/*\"\n  forwardPort: " + upstream.port() + "\n  retryBackoff: 1ms\n"
                + routeExtras);
    }

    @Test
    void persistent5xxIsTriedOncePlusMaxRetryTimesAndTheLastAnswerReturned() throws Exception {
        upstream.status(500);
        try (RunningProxy p = proxy("  maxRetry: 3\n")) {
            HttpResponse<String> r = p.get("/x");
            assertThat(r.statusCode()).isEqualTo(500);
            assertThat(r.body()).isEqualTo("status 500");
            assertThat(upstream.requests.get()).isEqualTo(4);
            assertThat(p.metric("proxy_retries_total{reason=\"status_5xx\",route=\"/*\"}")).isEqualTo(3.0);
            assertThat(p.metric("proxy_upstream_attempts_seconds_count{outcome=\"500\"")).isEqualTo(4.0);
        }
    }

    @Test
    void aRetryThatSucceedsAnswersTheSuccess() throws Exception {
        int[] n = {0};
        upstream.answer(req -> req.response().setStatusCode(++n[0] < 3 ? 503 : 200).end("attempt " + n[0]));
        try (RunningProxy p = proxy("  maxRetry: 3\n")) {
            HttpResponse<String> r = p.get("/x");
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.body()).isEqualTo("attempt 3");
            assertThat(upstream.requests.get()).isEqualTo(3);
        }
    }

    @Test
    void nonIdempotentRequestsAreNotRetriedUnlessEnabledAndKeyed() throws Exception {
        upstream.status(502);
        try (RunningProxy p = proxy("  maxRetry: 2\n")) {
            assertThat(p.send("POST", "/x", "{\"a\":1}", "Idempotency-Key", "k1").statusCode()).isEqualTo(502);
            assertThat(upstream.requests.get()).isEqualTo(1);
        }
        upstream.requests.set(0);
        upstream.headers.clear();
        try (RunningProxy p = proxy("  maxRetry: 2\n  retryNonIdempotent: true\n")) {
            assertThat(p.send("POST", "/x", "{\"a\":1}").statusCode()).as("no key: may have been applied")
                    .isEqualTo(502);
            assertThat(upstream.requests.get()).isEqualTo(1);
            upstream.requests.set(0);
            upstream.headers.clear();
            assertThat(p.send("POST", "/x", "{\"a\":1}", "Idempotency-Key", "k2").statusCode()).isEqualTo(502);
            assertThat(upstream.requests.get()).isEqualTo(3);
            assertThat(upstream.headers).allMatch(h -> "7".equals(h.get("Content-Length")),
                    "every attempt replays the whole body");
        }
    }

    @Test
    void aSlowUpstreamYields504WithinTheTimeout() throws Exception {
        upstream.answer(req -> upstream.vertx.setTimer(3000, id -> req.response().end("late")));
        try (RunningProxy p = proxy("  timeout: 200ms\n  maxRetry: 1\n")) {
            long t0 = System.nanoTime();
            HttpResponse<String> r = p.get("/slow");
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertThat(r.statusCode()).isEqualTo(504);
            assertThat(new JsonObject(r.body()).getString("error")).contains("200 ms");
            assertThat(ms).as("two attempts of 200 ms").isBetween(380L, 1500L);
            assertThat(upstream.requests.get()).isEqualTo(2);
            assertThat(p.metric("proxy_timeouts_total{route=\"/*\"}")).isEqualTo(2.0);
            assertThat(p.metric("proxy_retries_total{reason=\"timeout\"")).isEqualTo(1.0);
        }
    }

    @Test
    void theBreakerOpensAfterMaxErrorFailuresRejectsUntilTheRejectionPeriodThenLetsOneTrialThrough() throws Exception {
        upstream.status(500);
        try (RunningProxy p = proxy("  circuitBreaking: {maxError: 3, rejectionPeriod: 800ms}\n")) {
            for (int i = 0; i < 3; i++) {
                assertThat(p.get("/x").statusCode()).isEqualTo(500);
            }
            long openedAt = System.nanoTime();
            HttpResponse<String> rejected = p.get("/x");
            assertThat(rejected.statusCode()).isEqualTo(503);
            assertThat(rejected.headers().firstValue("Retry-After")).hasValue("1");
            assertThat(new JsonObject(rejected.body()).getString("error")).contains("circuit breaker");
            assertThat(upstream.requests.get()).isEqualTo(3);
            assertThat(p.metric("resilience4j_circuitbreaker_state{name=\"/*\",state=\"open\"}")).isEqualTo(1.0);
            // poll: every answer before the period is a 503 that never reaches the upstream; the first after it is the trial
            List<Integer> seen = new ArrayList<>();
            await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(50)).until(() -> {
                int status = p.get("/x").statusCode();
                seen.add(status);
                return status != 503;
            });
            assertThat((System.nanoTime() - openedAt) / 1_000_000).isGreaterThanOrEqualTo(800);
            assertThat(seen.subList(0, seen.size() - 1)).allMatch(s -> s == 503);
            assertThat(upstream.requests.get()).as("exactly one trial").isEqualTo(4);
            assertThat(p.get("/x").statusCode()).as("the failed trial opened it again").isEqualTo(503);
            assertThat(upstream.requests.get()).isEqualTo(4);
            upstream.status(200);
            await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(50))
                    .until(() -> p.get("/x").statusCode() == 200);
            assertThat(p.get("/x").statusCode()).isEqualTo(200);
            assertThat(p.metric("proxy_breaker_rejections_total{route=\"/*\"}")).isGreaterThanOrEqualTo(3.0);
            assertThat(p.metric("resilience4j_circuitbreaker_state{name=\"/*\",state=\"closed\"}")).isEqualTo(1.0);
        }
    }

    @Test
    void maxAmountPassPerExpirationAndTheRestGet429() throws Exception {
        try (RunningProxy p = proxy("  rateLimiting: {maxAmount: 5, expiration: 30s}\n")) {
            List<Integer> statuses = new ArrayList<>();
            String retryAfter = null;
            for (int i = 0; i < 8; i++) {
                HttpResponse<String> r = p.get("/x");
                statuses.add(r.statusCode());
                if (r.statusCode() == 429) {
                    retryAfter = r.headers().firstValue("Retry-After").orElse(null);
                }
            }
            assertThat(statuses).containsExactly(200, 200, 200, 200, 200, 429, 429, 429);
            assertThat(upstream.requests.get()).isEqualTo(5);
            assertThat(retryAfter).isNotNull();
            assertThat(Integer.parseInt(retryAfter)).isBetween(1, 30);
            assertThat(p.metric("proxy_rate_limited_total{route=\"/*\"}")).isEqualTo(3.0);
        }
    }

    @Test
    void aRefusedUpstreamIs502AfterItsRetries() throws Exception {
        try (RunningProxy p = new RunningProxy("paths:\n- path: /*\n  forwardPort: " + TestUpstream.deadPort()
                + "\n  maxRetry: 2\n  retryBackoff: 1ms\n")) {
            HttpResponse<String> r = p.get("/x");
            assertThat(r.statusCode()).isEqualTo(502);
            assertThat(new JsonObject(r.body()).getString("error")).contains("connect_error", "attempts: 3");
            assertThat(p.metric("proxy_upstream_connection_errors_total{kind=\"connect_error\"")).isEqualTo(3.0);
        }
    }
}
