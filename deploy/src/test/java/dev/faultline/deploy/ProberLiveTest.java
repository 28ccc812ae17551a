package dev.faultline.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The prober jar with the stack's prober.yml (probes every 500 ms, a /status change every 2 s) against the real
 * word-game server, directly and through the proxy: its probes show in its JSON log and its metrics, it flips the
 * server's /status at least twice (the server's own log and the probes both see it), and on SIGTERM it puts the
 * server's /status back to the default.
 */
class ProberLiveTest {
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private static final Set<String> PROBES = Set.of("status-via-proxy", "status-direct", "health-via-proxy",
            "health-direct");
    private LocalStack stack;

    @AfterEach
    void stop() {
        if (stack != null) {
            stack.close();
        }
    }

    @Test
    void probesShowInLogsAndMetricsAndStatusFlipsAtLeastTwice() throws Exception {
        Path dir = Repo.deploy("target/prober-live");
        Repo.deleteRecursively(dir);
        stack = LocalStack.start(dir, Duration.ofMillis(500), Duration.ofSeconds(2));

        await("two /status changes made by the prober, seen by the server and by its probes")
                .atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
                    List<JsonLog.Line> prober = JsonLog.read(stack.log("prober"));
                    assertThat(prober.stream().filter(l -> l.message().equals("status changed"))
                            .filter(l -> "200".equals(l.values().get("admin_status")))).hasSizeGreaterThanOrEqualTo(2);
                    assertThat(JsonLog.read(stack.log("wordgame-server")).stream()
                            .filter(l -> l.message().startsWith("status response"))).hasSizeGreaterThanOrEqualTo(2);
                    Map<String, Set<String>> statuses = probeLines(prober).stream().collect(Collectors.groupingBy(
                            l -> l.values().get("probe"), Collectors.mapping(l -> l.values().get("status"),
                                    Collectors.toSet())));
                    assertThat(statuses.keySet()).containsAll(PROBES);
                    assertThat(statuses.get("status-direct")).contains("200", "503");
                    assertThat(statuses.get("status-via-proxy")).contains("200", "503");
                    for (String p : PROBES) {
                        assertThat(probeLines(prober).stream().filter(l -> p.equals(l.values().get("probe"))))
                                .as(p).hasSizeGreaterThanOrEqualTo(5);
                    }
                });

        List<JsonLog.Line> lines = probeLines(JsonLog.read(stack.log("prober")));
        assertThat(lines).allSatisfy(l -> {
            assertThat(l.values()).containsKeys("probe", "target", "status", "success", "duration_ms");
            assertThat(l.level()).isEqualTo("true".equals(l.values().get("success")) ? "INFO" : "WARN");
            assertThat(l.values().containsKey("error")).isEqualTo("false".equals(l.values().get("success")));
        });
        assertThat(lines).anySatisfy(l -> {
            assertThat(l.values()).containsEntry("probe", "status-direct").containsEntry("status", "503")
                    .containsEntry("error", "status 503, expected 2xx");
            assertThat(l.values().get("target")).isEqualTo(stack.wordgameUrl() + "/status");
        });
        assertThat(lines).anySatisfy(l -> assertThat(l.values()).containsEntry("probe", "health-via-proxy")
                .containsEntry("success", "true").containsEntry("target", stack.proxyUrl() + "/health"));

        String metrics = get(stack.proberUrl() + "/metrics").body();
        for (String p : PROBES) {
            assertThat(metrics).containsPattern("probe_success\\{probe=\"" + p + "\",target=\"[^\"]+\"} [01]\\.0")
                    .containsPattern("probe_duration_seconds\\{probe=\"" + p + "\",target=\"[^\"]+\"} [0-9.E-]+")
                    .containsPattern("probe_http_status_code\\{probe=\"" + p + "\",target=\"[^\"]+\"} [0-9.]+")
                    .containsPattern("prober_probe_duration_seconds_count\\{probe=\"" + p + "\",result=\"(success|failure)\"} [1-9]");
        }
        assertThat(metrics).containsPattern("prober_status_changes_total\\{code=\"503\",result=\"ok\"} [1-9]")
                .containsPattern("prober_toxiproxy_up 1\\.0");
        // the server counted the admin calls too
        assertThat(get(stack.wordgameUrl() + "/metrics").body())
                .containsPattern("http_server_requests_seconds_count\\{method=\"PUT\",route=\"/admin/status\",status=\"200\"} [1-9]");

        stack.stopProber();
        JsonObject status = new JsonObject(get(stack.wordgameUrl() + "/admin/status").body());
        assertThat(status.getInteger("code")).as("the server's /status after the prober stopped").isEqualTo(200);
        assertThat(status.getString("body")).isEqualTo("{\"status\":\"ok\"}");
        assertThat(JsonLog.read(stack.log("prober"))).anySatisfy(l -> assertThat(l.values())
                .containsEntry("step", "on stop").containsEntry("code", "reset"));
    }

    private static List<JsonLog.Line> probeLines(List<JsonLog.Line> all) {
        return all.stream().filter(l -> "probe".equals(l.logger())).toList();
    }

    private static HttpResponse<String> get(String url) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
