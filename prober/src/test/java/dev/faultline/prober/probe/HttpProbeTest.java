package dev.faultline.prober.probe;

import static org.assertj.core.api.Assertions.assertThat;

import dev.faultline.prober.FakeServer;
import dev.faultline.prober.config.ProberConfig.Probe;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** One probe against a real HTTP server: what counts as success, and how each failure is described. */
class HttpProbeTest {
    private static FakeServer server;
    private static Vertx vertx;
    private static HttpClient client;

    @BeforeAll
    static void start() throws Exception {
        server = new FakeServer();
        vertx = Vertx.vertx();
        client = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(false));
    }

    @AfterAll
    static void stop() throws Exception {
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        server.close();
    }

    private static ProbeResult probe(String url, String method, Duration timeout, List<Integer> expect,
                                     String body) throws Exception {
        Probe p = new Probe("p", URI.create(url), method, Duration.ofSeconds(5), timeout, expect,
                Optional.ofNullable(body));
        return new HttpProbe(vertx, client, p, System::nanoTime).run(1).toCompletionStage().toCompletableFuture()
                .get(10, TimeUnit.SECONDS);
    }

    @Test
    void anExpectedAnswerSucceeds() throws Exception {
        ProbeResult r = probe(server.url("/ok"), "GET", Duration.ofSeconds(2), List.of(), "all ok");
        assertThat(r.success()).isTrue();
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.error()).isEmpty();
        assertThat(r.probe()).isEqualTo("p");
        assertThat(r.target()).isEqualTo(server.url("/ok"));
        assertThat(r.duration()).isPositive().isLessThan(Duration.ofSeconds(2));
    }

    @Test
    void headNeedsNoBody() throws Exception {
        assertThat(probe(server.url("/ok"), "HEAD", Duration.ofSeconds(2), List.of(), null).success()).isTrue();
    }

    @Test
    void anUnexpectedStatusFailsWithIt() throws Exception {
        ProbeResult r = probe(server.url("/missing"), "GET", Duration.ofSeconds(2), List.of(), null);
        assertThat(r.success()).isFalse();
        assertThat(r.status()).isEqualTo(404);
        assertThat(r.error()).contains("status 404, expected 2xx");
        ProbeResult listed = probe(server.url("/missing"), "GET", Duration.ofSeconds(2), List.of(200, 404), null);
        assertThat(listed.success()).isTrue();
        ProbeResult notListed = probe(server.url("/ok"), "GET", Duration.ofSeconds(2), List.of(204), null);
        assertThat(notListed.error()).contains("status 200, expected [204]");
    }

    @Test
    void aBodyWithoutTheExpectedTextFails() throws Exception {
        ProbeResult r = probe(server.url("/ok"), "GET", Duration.ofSeconds(2), List.of(), "healthy");
        assertThat(r.success()).isFalse();
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.error()).contains("body does not contain \"healthy\"");
    }

    @Test
    void aSlowAnswerTimesOutAtTheTimeout() throws Exception {
        ProbeResult r = probe(server.url("/slow"), "GET", Duration.ofMillis(300), List.of(), null);
        assertThat(r.success()).isFalse();
        assertThat(r.status()).isZero();
        assertThat(r.error()).contains("timeout: no complete answer within 300 ms");
        assertThat(r.duration()).isBetween(Duration.ofMillis(290), Duration.ofMillis(1500));
    }

    @Test
    void aRefusedConnectionFailsAtOnce() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        ProbeResult r = probe("http://127.0.0.1:" + port + "/", "GET", Duration.ofSeconds(2), List.of(), null);
        assertThat(r.success()).isFalse();
        assertThat(r.status()).isZero();
        assertThat(r.error().orElseThrow()).containsIgnoringCase("connection refused").doesNotContain("\n");
    }
}
