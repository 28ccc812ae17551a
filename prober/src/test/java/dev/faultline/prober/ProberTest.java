package dev.faultline.prober;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.faultline.prober.config.ProberConfig;
import dev.faultline.testkit.Promtool;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The whole prober in this JVM against a stand-in server: what it exports, and what it tells the server. */
class ProberTest {
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private FakeServer server;
    private Prober prober;

    @BeforeEach
    void startServer() throws Exception {
        server = new FakeServer();
    }

    @AfterEach
    void stop() throws Exception {
        if (prober != null) {
            prober.close();
        }
        server.close();
    }

    private void start(String yaml) {
        ProberConfig config = ProberConfig.parse("metrics: {port: 0}\n" + yaml, "test", Map.of("TOKEN", "t0ken"));
        prober = new Prober(config, System::nanoTime);
        prober.start();
    }

    private String scrape() throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + prober.metricsPort() + "/metrics"))
                .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString()).body();
    }

    private double value(String metric, String... labels) throws Exception {
        OptionalDouble v = Exposition.value(scrape(), metric, labels);
        return v.isPresent() ? v.getAsDouble() : Double.NaN;
    }

    @Test
    void everyProbeIsExportedUnderTheBlackboxNamesAndInTheHistogram() throws Exception {
        start("probes:\n"
                + "- {name: ok, url: \"" + server.url("/ok") + "\", interval: 100ms, expectBody: all ok}\n"
                + "- {name: missing, url: \"" + server.url("/missing") + "\", interval: 100ms}\n"
                + "- {name: slow, url: \"" + server.url("/slow") + "\", interval: 200ms, timeout: 150ms}\n");
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
            assertThat(value("prober_probe_duration_seconds_count", "probe", "ok", "result", "success")).isGreaterThanOrEqualTo(3);
            assertThat(value("prober_probe_duration_seconds_count", "probe", "missing", "result", "failure")).isGreaterThanOrEqualTo(3);
            assertThat(value("prober_probe_duration_seconds_count", "probe", "slow", "result", "failure")).isGreaterThanOrEqualTo(3);
        });
        String text = scrape();
        assertThat(Exposition.value(text, "probe_success", "probe", "ok", "target", server.url("/ok"))).hasValue(1);
        assertThat(Exposition.value(text, "probe_success", "probe", "missing")).hasValue(0);
        assertThat(Exposition.value(text, "probe_success", "probe", "slow")).hasValue(0);
        assertThat(Exposition.value(text, "probe_http_status_code", "probe", "ok")).hasValue(200);
        assertThat(Exposition.value(text, "probe_http_status_code", "probe", "missing")).hasValue(404);
        assertThat(Exposition.value(text, "probe_http_status_code", "probe", "slow")).hasValue(0);
        assertThat(Exposition.value(text, "probe_duration_seconds", "probe", "slow").getAsDouble()).isBetween(0.14, 1.0);
        assertThat(Exposition.value(text, "prober_probe_duration_seconds_bucket", "probe", "slow", "le", "0.1"))
                .hasValue(0);
        assertThat(Exposition.value(text, "prober_probe_duration_seconds_bucket", "probe", "slow", "le", "+Inf")
                .getAsDouble()).isGreaterThanOrEqualTo(3);
        assertThat(Exposition.value(text, "jvm_memory_used_bytes", "area", "heap")).isPresent();
        Promtool.assertValidMetrics(text);
    }

    @Test
    void statusChangesFollowTheStepsWithTheTokenAndAreUndoneOnStop() throws Exception {
        server.requireToken("t0ken");
        start("probes: [{name: ok, url: \"" + server.url("/ok") + "\"}]\n"
                + "statusChanges:\n  adminUrl: \"" + server.url("") + "\"\n  tokenEnv: TOKEN\n"
                + "  interval: 150ms\n  steps:\n  - {code: 503, body: maintenance, delay: 250ms}\n  - {code: 429}\n");
        await().atMost(Duration.ofSeconds(20)).until(() -> server.adminCalls().size() >= 3);
        assertThat(List.copyOf(server.adminCalls()).subList(0, 3)).extracting(FakeServer.AdminCall::body).containsExactly(
                "{\"code\":503,\"delayMs\":250,\"body\":\"maintenance\"}", "{\"code\":429,\"delayMs\":0}",
                "{\"code\":503,\"delayMs\":250,\"body\":\"maintenance\"}");
        assertThat(server.adminCalls()).allSatisfy(c -> {
            assertThat(c.method()).isEqualTo("PUT");
            assertThat(c.authorization()).isEqualTo("Bearer t0ken");
        });
        assertThat(value("prober_status_changes_total", "code", "503", "result", "ok")).isGreaterThanOrEqualTo(2);
        assertThat(value("prober_status_changes_total", "code", "429", "result", "ok")).isGreaterThanOrEqualTo(1);
        prober.close();
        prober = null;
        FakeServer.AdminCall last = server.adminCalls().get(server.adminCalls().size() - 1);
        assertThat(last.method()).isEqualTo("DELETE");
        assertThat(last.authorization()).isEqualTo("Bearer t0ken");
    }

    @Test
    void aRefusedChangeIsCountedAsFailed() throws Exception {
        server.requireToken("another");
        start("probes: [{name: ok, url: \"" + server.url("/ok") + "\"}]\n"
                + "statusChanges:\n  adminUrl: \"" + server.url("/admin/status") + "\"\n  interval: 100ms\n"
                + "  resetOnStop: true\n  steps: [{code: 503}]\n");
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() ->
                assertThat(value("prober_status_changes_total", "code", "503", "result", "failed")).isGreaterThanOrEqualTo(2));
        assertThat(server.adminCalls()).allSatisfy(c -> assertThat(c.authorization()).isNull());
        assertThat(value("prober_status_code")).isNaN();
        int calls = server.adminCalls().size();
        prober.close();
        prober = null;
        assertThat(server.adminCalls().size()).as("nothing was changed, so nothing is undone").isBetween(calls, calls + 1);
        assertThat(server.adminCalls()).noneMatch(c -> c.method().equals("DELETE"));
    }

    @Test
    void activeToxicsAreExportedAndStayAsZeroWhenRemoved() throws Exception {
        server.proxies("{\"upstream\":{\"name\":\"upstream\",\"enabled\":true,\"toxics\":[{\"name\":\"slow\","
                + "\"type\":\"latency\",\"stream\":\"downstream\",\"toxicity\":1,\"attributes\":{\"latency\":100}},"
                + "{\"name\":\"cut\",\"type\":\"reset_peer\",\"attributes\":{}}]},"
                + "\"edge\":{\"name\":\"edge\",\"enabled\":false,\"toxics\":[]}}");
        start("probes: [{name: ok, url: \"" + server.url("/ok") + "\"}]\ntoxiproxy:\n  url: \"" + server.url("") + "\"\n"
                + "  interval: 100ms\n");
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
            String text = scrape();
            assertThat(Exposition.value(text, "prober_toxics_active", "proxy", "upstream", "type", "latency")).hasValue(1);
            assertThat(Exposition.value(text, "prober_toxics_active", "proxy", "upstream", "type", "reset_peer")).hasValue(1);
            assertThat(Exposition.value(text, "prober_toxics_active", "proxy", "edge", "type", "down")).hasValue(1);
            assertThat(Exposition.value(text, "prober_toxiproxy_up")).hasValue(1);
        });
        server.proxies("{\"upstream\":{\"name\":\"upstream\",\"enabled\":true,\"toxics\":[]}}");
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
            String text = scrape();
            assertThat(Exposition.value(text, "prober_toxics_active", "proxy", "upstream", "type", "latency")).hasValue(0);
            assertThat(Exposition.value(text, "prober_toxics_active", "proxy", "edge", "type", "down")).hasValue(0);
        });
        server.proxies("not json");
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() ->
                assertThat(value("prober_toxiproxy_up")).isZero());
        Promtool.assertValidMetrics(scrape());
    }

    @Test
    void healthAnswersAndOtherPathsAreNotFound() throws Exception {
        start("probes: [{name: ok, url: \"" + server.url("/ok") + "\"}]\n");
        String base = "http://127.0.0.1:" + prober.metricsPort();
        assertThat(HTTP.send(HttpRequest.newBuilder(URI.create(base + "/health")).build(),
                HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);
        assertThat(HTTP.send(HttpRequest.newBuilder(URI.create(base + "/other")).build(),
                HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(404);
    }
}
