package dev.faultline.harness.stack;

import static org.assertj.core.api.Assertions.assertThat;

import eu.rekawek.toxiproxy.model.ToxicDirection;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The whole stack from the real jars: traffic through both links, a fault on a link, and a clean stop. */
class StackTest {
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static final Path ROOT = Path.of("").toAbsolutePath().getParent();

    @TempDir
    Path runDir;

    private static HttpResponse<String> post(String url, String body) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10))
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void aGameIsPlayedThroughEdgeProxyAndUpstreamAndALinkFaultShowsEndToEnd() throws Exception {
        List<ChildProcess> children;
        try (Stack stack = Stack.start(Stack.Options.defaults(ROOT, runDir))) {
            children = stack.children();
            HttpResponse<String> game = post(stack.edgeUrl() + "/new", "");
            assertThat(game.statusCode()).isEqualTo(200);
            assertThat(game.body()).contains("\"guesses_remaining\":6");
            assertThat(game.headers().firstValue("X-Request-Id")).isPresent();
            long t0 = System.nanoTime();
            post(stack.edgeUrl() + "/new", "");
            long base = (System.nanoTime() - t0) / 1_000_000;
            stack.link("upstream").toxics().latency("slow", ToxicDirection.DOWNSTREAM, 300);
            t0 = System.nanoTime();
            assertThat(post(stack.edgeUrl() + "/new", "").statusCode()).isEqualTo(200);
            long slowed = (System.nanoTime() - t0) / 1_000_000;
            assertThat(slowed - base).as("upstream latency shows at the edge (ms)").isBetween(250L, 900L);
            assertThat(HTTP.send(HttpRequest.newBuilder(URI.create(stack.proxyMetricsUrl())).build(),
                    HttpResponse.BodyHandlers.ofString()).body()).contains("proxy_requests_seconds_count");
            assertThat(children).allMatch(ChildProcess::alive);
            assertThat(Files.readString(runDir.resolve("proxy.yml"))).contains("forwardPort");
        }
        assertThat(children).hasSize(2).noneMatch(ChildProcess::alive);
        assertThat(runDir.resolve("logs/wordgame-server.log")).exists();
        assertThat(runDir.resolve("logs/proxy.log")).exists();
    }

    @Test
    void aMissingJarIsAClearErrorAndLeavesNothingRunning() {
        Path emptyRoot = runDir.resolve("nothing-built");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> Stack.start(Stack.Options.defaults(emptyRoot, runDir)))
                .hasMessageContaining("wordgame-server.jar does not exist; build it first");
    }
}
