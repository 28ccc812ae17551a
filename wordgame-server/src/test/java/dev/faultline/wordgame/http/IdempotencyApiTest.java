package dev.faultline.wordgame.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Idempotency-Key on /new and /guess over real HTTP: a repeat replays and applies nothing. */
class IdempotencyApiTest {
    private static final String KEY = "Idempotency-Key";
    @TempDir
    static Path dir;
    static TestServer server;

    @BeforeAll
    static void start() throws Exception {
        Path words = Files.writeString(dir.resolve("words.txt"), "apple\n");
        server = TestServer.start("--words", words.toString());
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @AfterEach
    void noFaults() {
        server.method("DELETE", "/admin/faults", null);
    }

    private static String newGame() {
        return new JsonObject(server.post("/new", "").body()).getString("id");
    }

    private static String guessBody(String id, String letter) {
        return new JsonObject().put("id", id).put("guess", letter).encode();
    }

    private static double metric(String prefix) {
        return OperationsApiTest.value(server.get("/metrics").body(), prefix);
    }

    @Test
    void aRepeatedGuessReplaysTheFirstAnswerAndIsAppliedOnce() {
        String id = newGame();
        double misses = metric("wordgame_guesses_total{result=\"miss\"}");
        HttpResponse<String> first = server.post("/guess", guessBody(id, "Z"), KEY, "guess-1");
        HttpResponse<String> again = server.post("/guess", guessBody(id, "Z"), KEY, "guess-1");
        assertThat(first.statusCode()).isEqualTo(200);
        assertThat(first.body()).contains("\"guesses_remaining\":5");
        assertThat(first.headers().firstValue("Idempotent-Replayed")).isEmpty();
        assertThat(again.statusCode()).isEqualTo(200);
        assertThat(again.body()).isEqualTo(first.body());
        assertThat(again.headers().firstValue("Content-Type")).hasValue("application/json");
        assertThat(again.headers().firstValue("Idempotent-Replayed")).hasValue("true");
        assertThat(metric("wordgame_guesses_total{result=\"miss\"}") - misses).as("one miss applied").isEqualTo(1);
        assertThat(metric("wordgame_idempotent_replays_total{route=\"/guess\"}")).isGreaterThanOrEqualTo(1);
        HttpResponse<String> next = server.post("/guess", guessBody(id, "Z"));
        assertThat(next.body()).as("the game saw one miss before this one").contains("\"guesses_remaining\":4");
    }

    @Test
    void aRepeatedNewReturnsTheSameGame() {
        double started = metric("wordgame_games_started_total ");
        HttpResponse<String> first = server.post("/new", "", KEY, "new-1");
        HttpResponse<String> again = server.post("/new", "", KEY, "new-1");
        assertThat(first.statusCode()).isEqualTo(200);
        assertThat(again.body()).isEqualTo(first.body());
        assertThat(metric("wordgame_games_started_total ") - started).isEqualTo(1);
        assertThat(new JsonObject(server.post("/new", "", KEY, "new-2").body()).getString("id"))
                .as("another key, another game").isNotEqualTo(new JsonObject(first.body()).getString("id"));
    }

    @Test
    void keysAreScopedPerEndpoint() {
        String id = new JsonObject(server.post("/new", "", KEY, "shared").body()).getString("id");
        HttpResponse<String> g = server.post("/guess", guessBody(id, "P"), KEY, "shared");
        assertThat(g.statusCode()).isEqualTo(200);
        assertThat(g.body()).contains("_PP__");
    }

    @Test
    void theSameKeyWithAnotherBodyIs422AndAppliesNothing() {
        String id = newGame();
        server.post("/guess", guessBody(id, "Z"), KEY, "body-1");
        HttpResponse<String> other = server.post("/guess", guessBody(id, "Y"), KEY, "body-1");
        assertThat(other.statusCode()).isEqualTo(422);
        assertThat(new JsonObject(other.body()).getString("error")).contains("another request body");
        assertThat(server.post("/guess", guessBody(id, "Q")).body()).contains("\"guesses_remaining\":4");
        assertThat(metric("wordgame_idempotency_conflicts_total{reason=\"body_mismatch\",route=\"/guess\"}"))
                .isEqualTo(1);
    }

    @Test
    void aRepeatWhileTheFirstIsInProgressIs409() {
        String id = newGame();
        server.method("PUT", "/admin/faults", "{\"latencyMs\":3000,\"paths\":[\"/guess\"]}");
        double delayed = metric("wordgame_faults_injected_total{path=\"/guess\",type=\"latency\"}");
        CompletableFuture<HttpResponse<String>> first = TestServer.client().sendAsync(
                server.request("/guess", KEY, "slow-1").POST(java.net.http.HttpRequest.BodyPublishers.ofString(
                        guessBody(id, "Z"))).build(), HttpResponse.BodyHandlers.ofString());
        // the first has its key (claimed before the injected latency) once its delay has begun
        await().atMost(Duration.ofSeconds(10))
                .until(() -> metric("wordgame_faults_injected_total{path=\"/guess\",type=\"latency\"}") > delayed);
        HttpResponse<String> during = server.post("/guess", guessBody(id, "Z"), KEY, "slow-1");
        assertThat(during.statusCode()).isEqualTo(409);
        assertThat(during.headers().firstValue("Retry-After")).hasValue("1");
        assertThat(first.join().statusCode()).isEqualTo(200);
        server.method("DELETE", "/admin/faults", null);
        HttpResponse<String> after = server.post("/guess", guessBody(id, "Z"), KEY, "slow-1");
        assertThat(after.body()).isEqualTo(first.join().body()).contains("\"guesses_remaining\":5");
    }

    @Test
    void anInjectedFaultIsNotRememberedSoTheRetryIsApplied() {
        for (int code : new int[] {500, 429}) {
            String id = newGame();
            server.method("PUT", "/admin/faults", "{\"errorRate\":1.0,\"errorCode\":" + code + ",\"paths\":[\"/guess\"]}");
            assertThat(server.post("/guess", guessBody(id, "Z"), KEY, "fault-" + code).statusCode()).isEqualTo(code);
            server.method("DELETE", "/admin/faults", null);
            HttpResponse<String> retry = server.post("/guess", guessBody(id, "Z"), KEY, "fault-" + code);
            assertThat(retry.statusCode()).as("after an injected %d", code).isEqualTo(200);
            assertThat(retry.headers().firstValue("Idempotent-Replayed")).isEmpty();
            assertThat(retry.body()).contains("\"guesses_remaining\":5");
        }
    }

    @Test
    void aRejectedGuessIsReplayedAndCountedOnce() {
        double invalid = metric("wordgame_guesses_total{result=\"invalid\"}");
        String body = "{\"id\":\"x\",\"guess\":\"1\"}";
        HttpResponse<String> first = server.post("/guess", body, KEY, "invalid-1");
        HttpResponse<String> again = server.post("/guess", body, KEY, "invalid-1");
        assertThat(first.statusCode()).isEqualTo(400);
        assertThat(again.statusCode()).isEqualTo(400);
        assertThat(again.body()).isEqualTo(first.body());
        assertThat(again.headers().firstValue("Idempotent-Replayed")).hasValue("true");
        assertThat(metric("wordgame_guesses_total{result=\"invalid\"}") - invalid).isEqualTo(1);
    }

    @Test
    void malformedKeysAre400AndApplyNothing() {
        String id = newGame();
        for (String[] headers : new String[][] {{KEY, "k".repeat(256)}, {KEY, "with space"}, {KEY, "a", KEY, "b"}}) {
            HttpResponse<String> r = server.post("/guess", guessBody(id, "Z"), headers);
            assertThat(r.statusCode()).as(String.join(" ", headers)).isEqualTo(400);
            assertThat(new JsonObject(r.body()).getString("error")).contains(KEY);
        }
        assertThat(server.post("/guess", guessBody(id, "Z"), KEY, "k".repeat(255)).body())
                .as("255 characters are fine; nothing applied before").contains("\"guesses_remaining\":5");
    }

    @Test
    void theTableIsExposedAndPassesPromtool() throws Exception {
        server.post("/new", "", KEY, "metrics-1");
        String body = server.get("/metrics").body();
        assertThat(body).contains("wordgame_idempotency_keys ", "wordgame_idempotency_keys_capacity 100000",
                "wordgame_idempotency_evicted_total{reason=\"capacity\"} 0", "wordgame_idempotency_evicted_total{reason=\"expired\"} 0");
        assertThat(OperationsApiTest.value(body, "wordgame_idempotency_keys ")).isGreaterThanOrEqualTo(1);
        dev.faultline.testkit.Promtool.assertValidMetrics(body);
    }
}
