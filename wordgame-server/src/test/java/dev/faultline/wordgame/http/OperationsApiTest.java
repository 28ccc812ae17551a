package dev.faultline.wordgame.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Health, readiness, metrics, /status and its admin endpoint, faults, routing errors, ids and tracing. */
class OperationsApiTest {
    static TestServer server;

    @BeforeAll
    static void start() {
        server = TestServer.start();
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @AfterEach
    void resetAdmin() {
        server.method("DELETE", "/admin/faults", null);
        server.method("DELETE", "/admin/status", null);
    }

    @Test
    void healthIsPlainText() {
        HttpResponse<String> r = server.get("/health");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).isEqualTo("OK I'm healthy");
        assertThat(r.headers().firstValue("Content-Type")).hasValueSatisfying(v -> assertThat(v).startsWith("text/plain"));
    }

    @Test
    void readyWhenServing() {
        HttpResponse<String> r = server.get("/ready");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(new JsonObject(r.body()).getString("status")).isEqualTo("ready");
    }

    @Test
    void metricsCountGamesGuessesAndRequestsAndPassPromtool() throws Exception {
        String id = new JsonObject(server.post("/new", "").body()).getString("id");
        server.post("/guess", "{\"id\":\"" + id + "\",\"guess\":\"1\"}");
        HttpResponse<String> r = server.get("/metrics");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type")).hasValue("text/plain; version=0.0.4; charset=utf-8");
        assertThat(r.body()).contains(
                "wordgame_games_started_total ",
                "wordgame_guesses_total{result=\"invalid\"} ",
                "wordgame_games_live ",
                "wordgame_games_evicted_total{reason=\"idle\"} ",
                "http_server_requests_seconds_bucket{method=\"POST\",route=\"/new\",status=\"200\",le=",
                "jvm_memory_used_bytes", "process_cpu_usage");
        assertThat(value(r.body(), "wordgame_games_started_total ")).isGreaterThanOrEqualTo(1);
        dev.faultline.testkit.Promtool.assertValidMetrics(r.body());
    }

    @Test
    void metricsSpeakOpenMetricsWhenAsked() {
        HttpResponse<String> r = server.get("/metrics", "Accept", "application/openmetrics-text; version=1.0.0");
        assertThat(r.headers().firstValue("Content-Type")).hasValueSatisfying(
                v -> assertThat(v).startsWith("application/openmetrics-text"));
        assertThat(r.body().strip()).endsWith("# EOF");
    }

    @Test
    void statusDefaultsToOkAndFollowsTheAdminSetting() {
        assertThat(server.get("/status").body()).isEqualTo("{\"status\":\"ok\"}");
        HttpResponse<String> set = server.method("PUT", "/admin/status",
                "{\"code\":503,\"body\":\"{\\\"status\\\":\\\"maintenance\\\"}\",\"delayMs\":0}");
        assertThat(set.statusCode()).isEqualTo(200);
        HttpResponse<String> r = server.get("/status");
        assertThat(r.statusCode()).isEqualTo(503);
        assertThat(r.body()).isEqualTo("{\"status\":\"maintenance\"}");
        assertThat(r.headers().firstValue("Content-Type")).hasValue("application/json");
        server.method("PUT", "/admin/status", "{\"code\":418,\"body\":\"teapot\"}");
        HttpResponse<String> text = server.get("/status");
        assertThat(text.statusCode()).isEqualTo(418);
        assertThat(text.body()).isEqualTo("teapot");
        assertThat(server.method("DELETE", "/admin/status", null).statusCode()).isEqualTo(200);
        assertThat(server.get("/status").statusCode()).isEqualTo(200);
    }

    @Test
    void statusDelayHoldsTheAnswer() {
        server.method("PUT", "/admin/status", "{\"code\":200,\"delayMs\":300}");
        long t0 = System.nanoTime();
        assertThat(server.get("/status").statusCode()).isEqualTo(200);
        assertThat((System.nanoTime() - t0) / 1_000_000).isGreaterThanOrEqualTo(300);
        assertThat(new JsonObject(server.get("/admin/status").body()).getInteger("delayMs")).isEqualTo(300);
    }

    @Test
    void badAdminStatusBodiesAre400AndChangeNothing() {
        for (String body : new String[] {"{\"code\":99}", "{\"code\":600}", "{\"code\":\"503\"}", "{\"code\":503.5}",
            "{\"delayMs\":-1}", "{\"delayMs\":600000}", "{\"colour\":\"red\"}", "[]", "nope"}) {
            HttpResponse<String> r = server.method("PUT", "/admin/status", body);
            assertThat(r.statusCode()).as(body).isEqualTo(400);
            assertThat(new JsonObject(r.body()).getString("error")).as(body).isNotBlank();
        }
        assertThat(server.get("/status").statusCode()).isEqualTo(200);
    }

    @Test
    void errorFaultsAnswerTheConfiguredCodeOnTheChosenPathsOnly() {
        HttpResponse<String> set = server.method("PUT", "/admin/faults",
                "{\"errorRate\":1.0,\"errorCode\":502,\"paths\":[\"/new\"]}");
        assertThat(set.statusCode()).isEqualTo(200);
        HttpResponse<String> r = server.post("/new", "");
        assertThat(r.statusCode()).isEqualTo(502);
        assertThat(new JsonObject(r.body()).getString("error")).isEqualTo("injected fault");
        assertThat(server.post("/guess", "{\"id\":\"x\",\"guess\":\"A\"}").statusCode()).isEqualTo(404);
        assertThat(server.get("/health").statusCode()).isEqualTo(200);
        assertThat(server.get("/metrics").body()).contains("wordgame_faults_injected_total{path=\"/new\",type=\"error\"}");
        server.method("DELETE", "/admin/faults", null);
        assertThat(server.post("/new", "").statusCode()).isEqualTo(200);
    }

    @Test
    void partialErrorRateHitsAboutThatShare() {
        server.method("PUT", "/admin/faults", "{\"errorRate\":0.3}");
        int errors = 0;
        int n = 400;
        for (int i = 0; i < n; i++) {
            if (server.post("/new", "").statusCode() == 500) {
                errors++;
            }
        }
        // binomial(400, 0.3): mean 120, sd 9.2; +-5 sd
        assertThat(errors).isBetween(74, 166);
    }

    @Test
    void latencyFaultsDelayTheGameEndpoints() {
        server.method("PUT", "/admin/faults", "{\"latencyMs\":200,\"jitterMs\":50}");
        List<Long> took = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            long t0 = System.nanoTime();
            assertThat(server.post("/new", "").statusCode()).isEqualTo(200);
            took.add((System.nanoTime() - t0) / 1_000_000);
        }
        assertThat(took).allMatch(ms -> ms >= 150);
        long t0 = System.nanoTime();
        server.get("/health");
        assertThat((System.nanoTime() - t0) / 1_000_000).isLessThan(150);
    }

    @Test
    void badFaultBodiesAre400AndChangeNothing() {
        for (String body : new String[] {"{\"errorRate\":1.5}", "{\"errorRate\":\"half\"}", "{\"errorCode\":200}",
            "{\"latencyMs\":-5}", "{\"paths\":[\"/health\"]}", "{\"paths\":[]}", "{\"paths\":\"/new\"}",
            "{\"delay\":5}"}) {
            HttpResponse<String> r = server.method("PUT", "/admin/faults", body);
            assertThat(r.statusCode()).as(body).isEqualTo(400);
            assertThat(new JsonObject(r.body()).getString("error")).as(body).isNotBlank();
        }
        assertThat(new JsonObject(server.get("/admin/faults").body()).getDouble("errorRate")).isZero();
        assertThat(server.post("/new", "").statusCode()).isEqualTo(200);
    }

    @Test
    void wrongMethodIs405WithAllow() {
        HttpResponse<String> r = server.get("/new");
        assertThat(r.statusCode()).isEqualTo(405);
        assertThat(r.headers().firstValue("Allow")).hasValue("POST, OPTIONS");
        assertThat(new JsonObject(r.body()).getString("error")).contains("GET");
        HttpResponse<String> h = server.post("/health", "");
        assertThat(h.statusCode()).isEqualTo(405);
        assertThat(h.headers().firstValue("Allow")).hasValue("GET, HEAD, OPTIONS");
        assertThat(server.method("PATCH", "/admin/faults", "{}").headers().firstValue("Allow"))
                .hasValue("GET, PUT, DELETE, OPTIONS");
    }

    @Test
    void optionsListsTheMethods() {
        HttpResponse<String> r = server.method("OPTIONS", "/guess", null);
        assertThat(r.statusCode()).isEqualTo(204);
        assertThat(r.headers().firstValue("Allow")).hasValue("POST, OPTIONS");
    }

    @Test
    void unknownPathIs404WithJsonError() {
        HttpResponse<String> r = server.get("/nope");
        assertThat(r.statusCode()).isEqualTo(404);
        assertThat(new JsonObject(r.body()).getString("error")).contains("/nope");
        assertThat(server.get("/new/").statusCode()).isEqualTo(404);
    }

    @Test
    void requestIdIsKeptOrMade() {
        assertThat(server.get("/health", "X-Request-Id", "abc-123").headers().firstValue("X-Request-Id"))
                .hasValue("abc-123");
        assertThat(server.get("/health").headers().firstValue("X-Request-Id"))
                .hasValueSatisfying(v -> assertThat(v).matches("[0-9a-f]{32}"));
        assertThat(server.get("/health", "X-Request-Id", "x".repeat(300)).headers().firstValue("X-Request-Id"))
                .hasValueSatisfying(v -> assertThat(v).matches("[0-9a-f]{32}"));
    }

    @Test
    void incomingTraceContextIsContinuedInEveryPropagationFormat() {
        String trace = "4bf92f3577b34da6a3ce929d0e0e4736";
        assertThat(traceOf(server.get("/health", "traceparent", "00-" + trace + "-00f067aa0ba902b7-01")))
                .isEqualTo(trace);
        assertThat(traceOf(server.get("/health", "b3", trace + "-00f067aa0ba902b7-1"))).isEqualTo(trace);
        assertThat(traceOf(server.get("/health", "X-B3-TraceId", trace, "X-B3-SpanId", "00f067aa0ba902b7",
                "X-B3-Sampled", "1"))).isEqualTo(trace);
        assertThat(traceOf(server.get("/health", "uber-trace-id", trace + ":00f067aa0ba902b7:0:1"))).isEqualTo(trace);
        String fresh = traceOf(server.get("/health"));
        assertThat(fresh).matches("[0-9a-f]{32}").isNotEqualTo(trace).isNotEqualTo("0".repeat(32));
        assertThat(traceOf(server.get("/health"))).isNotEqualTo(fresh);
    }

    private static String traceOf(HttpResponse<String> r) {
        String tr = r.headers().firstValue("traceresponse").orElseThrow();
        return tr.split("-")[1];
    }

    static double value(String exposition, String prefix) {
        return exposition.lines().filter(l -> l.startsWith(prefix)).mapToDouble(
                l -> Double.parseDouble(l.substring(prefix.length()).strip().split(" ")[0])).sum();
    }
}
