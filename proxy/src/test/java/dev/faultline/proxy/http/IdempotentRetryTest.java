package dev.faultline.proxy.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.MultiMap;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Retries of POSTs through a real proxy, counted by a real upstream: one that may have reached the upstream is
 * retried only with an Idempotency-Key (the client's, or one the proxy adds), the same on every attempt; one that
 * never left the proxy is retried anyway.
 */
class IdempotentRetryTest {
    private static final String BODY = "{\"id\":\"g\",\"guess\":\"A\"}";
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
        return new RunningProxy("paths:\n- path: \"/*\"\n  forwardPort: " + upstream.port()
                + "\n  retryBackoff: 1ms\n  maxRetry: 2\n  retryNonIdempotent: true\n" + routeExtras);
    }

    /**
     * The first request reaches the upstream, which then never answers it (the attempt times out) or, when
     * {@code cut}, closes the connection without answering; later requests are answered.
     */
    private void firstAttemptFails(boolean cut) {
        AtomicInteger n = new AtomicInteger();
        upstream.answer(req -> req.body().onComplete(b -> {
            if (n.incrementAndGet() > 1) {
                req.response().end("applied " + b.result());
            } else if (cut) {
                req.connection().close();
            }
        }));
    }

    private void firstAttemptTimesOut() {
        firstAttemptFails(false);
    }

    private List<String> keysSeen() {
        return upstream.headers.stream().map(h -> h.get("Idempotency-Key")).toList();
    }

    @Test
    void aPostThatTimedOutUpstreamIsNotRetriedWithoutAKey() throws Exception {
        firstAttemptTimesOut();
        try (RunningProxy p = proxy("  timeout: 300ms\n")) {
            HttpResponse<String> r = p.send("POST", "/guess", BODY);
            assertThat(r.statusCode()).isEqualTo(504);
            assertThat(new JsonObject(r.body()).getString("error")).contains("attempts: 1");
            assertThat(upstream.requests.get()).isEqualTo(1);
            assertThat(keysSeen()).containsOnlyNulls();
            assertThat(p.metric("proxy_retries_skipped_total{reason=\"no_idempotency_key\",route=\"/*\"}"))
                    .isEqualTo(1.0);
        }
    }

    @Test
    void aPostCutOffUpstreamIsNotRetriedWithoutAKey() throws Exception {
        firstAttemptFails(true);
        try (RunningProxy p = proxy("")) {
            HttpResponse<String> r = p.send("POST", "/guess", BODY);
            assertThat(r.statusCode()).isEqualTo(502);
            assertThat(upstream.requests.get()).isEqualTo(1);
        }
    }

    @Test
    void a5xxToAPostIsNotRetriedWithoutAKeyButIsWithOne() throws Exception {
        upstream.status(503);
        try (RunningProxy p = proxy("")) {
            assertThat(p.send("POST", "/guess", BODY).statusCode()).isEqualTo(503);
            assertThat(upstream.requests.get()).isEqualTo(1);
            assertThat(p.send("POST", "/guess", BODY, "Idempotency-Key", "k-503").statusCode()).isEqualTo(503);
            assertThat(upstream.requests.get()).as("1 + 3 attempts").isEqualTo(4);
            assertThat(p.metric("proxy_retries_total{reason=\"status_5xx\"")).isEqualTo(2.0);
        }
    }

    @Test
    void aPostWithTheClientsKeyIsRetriedAfterATimeoutOrACutWithThatKeyUnchanged() throws Exception {
        for (String reason : new String[] {"timeout", "reset"}) {
            upstream.requests.set(0);
            upstream.headers.clear();
            firstAttemptFails(reason.equals("reset"));
            try (RunningProxy p = proxy("  timeout: 300ms\n")) {
                HttpResponse<String> r = p.send("POST", "/guess", BODY, "Idempotency-Key", "key-" + reason);
                assertThat(r.statusCode()).as(reason).isEqualTo(200);
                assertThat(r.body()).isEqualTo("applied " + BODY);
                assertThat(upstream.requests.get()).isEqualTo(2);
                assertThat(keysSeen()).containsExactly("key-" + reason, "key-" + reason);
                assertThat(upstream.headers).allMatch(h -> h.getAll("Idempotency-Key").size() == 1, "one key field");
                assertThat(p.metric("proxy_retries_total{reason=\"" + reason + "\"")).isEqualTo(1.0);
            }
        }
    }

    @Test
    void theProxyAddsOneKeyPerClientRequestTheSameOnEveryAttempt() throws Exception {
        firstAttemptTimesOut();
        try (RunningProxy p = proxy("  timeout: 300ms\n  addIdempotencyKey: true\n")) {
            HttpResponse<String> r = p.send("POST", "/guess", BODY);
            assertThat(r.statusCode()).isEqualTo(200);
            List<String> keys = keysSeen();
            assertThat(keys).hasSize(2);
            assertThat(keys.get(0)).matches("[0-9a-f]{32}").isEqualTo(keys.get(1));
            assertThat(p.send("POST", "/guess", BODY).statusCode()).isEqualTo(200);
            assertThat(keysSeen().get(2)).as("the next request, another key").isNotEqualTo(keys.get(0));
            assertThat(p.send("POST", "/guess", BODY, "Idempotency-Key", "mine").statusCode()).isEqualTo(200);
            assertThat(keysSeen().get(3)).as("a client's key is kept").isEqualTo("mine");
            assertThat(upstream.headers.get(3).getAll("Idempotency-Key")).hasSize(1);
            assertThat(p.get("/x").statusCode()).isEqualTo(200);
            MultiMap get = upstream.lastHeaders();
            assertThat(get.get("Idempotency-Key")).as("idempotent methods need none").isNull();
        }
    }

    @Test
    void aPostRefusedAtConnectIsRetriedWithoutAKeyEvenWhereNonIdempotentRetriesAreOff() throws Exception {
        try (RunningProxy p = new RunningProxy("paths:\n- path: /*\n  forwardPort: " + TestUpstream.deadPort()
                + "\n  maxRetry: 2\n  retryBackoff: 1ms\n")) {
            HttpResponse<String> r = p.send("POST", "/guess", BODY);
            assertThat(r.statusCode()).isEqualTo(502);
            assertThat(new JsonObject(r.body()).getString("error")).contains("connect_error", "attempts: 3");
            assertThat(p.metric("proxy_retries_total{reason=\"connect_error\"")).isEqualTo(2.0);
        }
    }
}
