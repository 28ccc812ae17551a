package dev.faultline.perf.prom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.sun.net.httpserver.HttpServer;
import dev.faultline.testkit.ExternalTool;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The same phase measured both ways: a real Prometheus scraping a fixture exposition, and /metrics snapshots at
 * the phase boundaries. The fixture counts known numbers of requests and retries inside the phase.
 */
class ServerMetricsTest {
    static final ExternalTool PROMETHEUS = new ExternalTool("prometheus", "PROMETHEUS_BIN",
            "install Debian's prometheus package");

    @TempDir
    Path dir;
    HttpServer server;
    final AtomicLong requests = new AtomicLong();
    final AtomicLong errors = new AtomicLong();
    final AtomicLong retries = new AtomicLong();

    @BeforeEach
    void exposition() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/metrics", x -> {
            byte[] body = ("# TYPE proxy_requests_seconds_count counter\n"
                    + "proxy_requests_seconds_count{route=\"r\",status=\"200\"} " + (requests.get() - errors.get()) + "\n"
                    + "proxy_requests_seconds_count{route=\"r\",status=\"503\"} " + errors.get() + "\n"
                    + "# TYPE proxy_retries_total counter\nproxy_retries_total{route=\"r\"} " + retries.get() + "\n")
                    .getBytes(StandardCharsets.UTF_8);
            x.getResponseHeaders().add("Content-Type", "text/plain; version=0.0.4");
            x.sendResponseHeaders(200, body.length);
            x.getResponseBody().write(body);
            x.close();
        });
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    private String target() {
        return "127.0.0.1:" + server.getAddress().getPort() + "/metrics";
    }

    /** 4 s of phase: 50 requests/s, a fifth of them errors, 3 retries per error; returns the phase window. */
    private ServerMetrics.Window runPhase(ServerMetrics metrics) throws InterruptedException {
        long start = System.currentTimeMillis();
        metrics.boundary("work");
        for (int i = 0; i < 200; i++) {
            requests.incrementAndGet();
            if (i % 5 == 0) {
                errors.incrementAndGet();
                retries.addAndGet(3);
            }
            Thread.sleep(20);
        }
        long end = System.currentTimeMillis();
        metrics.boundary("end");
        return new ServerMetrics.Window("work", start, end);
    }

    @Test
    void snapshotsAtTheBoundariesWithoutPrometheus() throws Exception {
        ServerMetrics m = new ServerMetrics(null, "snapshots", Map.of("proxy", "http://" + target()));
        ServerMetrics.Window w = runPhase(m);
        JsonObject values = m.capture(List.of(w), "end").getJsonObject("phases").getJsonObject("work");
        assertThat(values.getDouble("proxy.retries")).isEqualTo(120.0);
        assertThat(values.getDouble("proxy.errorRatio")).isCloseTo(0.2, within(1e-9));
        assertThat(values.getDouble("proxy.requestRate")).isBetween(30.0, 50.0);
        assertThat(values.getValue("proxy.p99")).as("no histogram exposed").isNull();
        assertThatThrownBy(() -> m.promql("up", w)).hasMessageContaining("needs a Prometheus");
    }

    @Test
    void promqlAgainstARealPrometheus() throws Exception {
        Path bin = PROMETHEUS.require();
        try (PrometheusServer prom = PrometheusServer.start(bin, dir, Map.of("proxy", target()))) {
            ServerMetrics m = new ServerMetrics(prom.url(), "prometheus", Map.of("proxy", target()));
            Thread.sleep(1500);
            ServerMetrics.Window w = runPhase(m);
            Thread.sleep(2500); // the last scrape of the window
            JsonObject captured = m.capture(List.of(w), "end");
            JsonObject values = captured.getJsonObject("phases").getJsonObject("work");
            // increase() extrapolates over a window sampled every second: near, not equal
            assertThat(values.getDouble("proxy.retries")).isCloseTo(120.0, within(40.0));
            assertThat(values.getDouble("proxy.errorRatio")).isCloseTo(0.2, within(0.05));
            assertThat(values.getDouble("proxy.requestRate")).isBetween(25.0, 60.0);
            assertThat(captured.getJsonObject("series").getJsonArray("proxy.requestRate")).isNotEmpty();
            assertThat(m.promql("sum(increase(proxy_retries_total{job=\"proxy\"}$window))", w))
                    .isCloseTo(120.0, within(40.0));
            assertThatThrownBy(() -> m.promql("sum(rate(", w)).hasMessageContaining("bad_data");
        }
    }
}
