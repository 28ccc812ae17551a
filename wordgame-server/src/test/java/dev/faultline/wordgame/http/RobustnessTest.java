package dev.faultline.wordgame.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.vertx.core.json.JsonObject;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Limits, eviction, concurrency and hostile input over real HTTP. */
class RobustnessTest {
    @TempDir
    Path dir;

    private Path words(String... w) throws Exception {
        return Files.writeString(dir.resolve("words.txt"), String.join("\n", w));
    }

    @Test
    void bodiesOverTheLimitAre413WhetherDeclaredOrChunked() throws Exception {
        try (TestServer s = TestServer.start("--max-body-bytes", "100")) {
            HttpResponse<String> declared = s.post("/guess", "{\"id\":\"" + "x".repeat(200) + "\",\"guess\":\"A\"}");
            assertThat(declared.statusCode()).isEqualTo(413);
            assertThat(new JsonObject(declared.body()).getString("error")).contains("100 bytes");
            byte[] big = ("{\"id\":\"" + "y".repeat(500) + "\",\"guess\":\"A\"}").getBytes(StandardCharsets.UTF_8);
            HttpResponse<String> chunked = TestServer.send(s.request("/guess").POST(
                    HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(big))).build());
            assertThat(chunked.statusCode()).isEqualTo(413);
            assertThat(s.post("/new", "x".repeat(100)).statusCode()).isEqualTo(200);
            assertThat(s.get("/health").statusCode()).isEqualTo(200);
        }
    }

    @Test
    void oversizedHeadersAndUrisAreRefusedAndTheServerGoesOn() throws Exception {
        try (TestServer s = TestServer.start("--max-header-bytes", "2048")) {
            assertThat(raw(s.port, "GET /health HTTP/1.1\r\nHost: x\r\nX-Big: " + "a".repeat(4000) + "\r\n\r\n"))
                    .matches("(?s)HTTP/1\\.[01] 431 .*");
            assertThat(raw(s.port, "GET /" + "a".repeat(5000) + " HTTP/1.1\r\nHost: x\r\n\r\n"))
                    .matches("(?s)HTTP/1\\.[01] 414 .*");
            assertThat(s.get("/health").statusCode()).isEqualTo(200);
        }
    }

    @Test
    void garbageOnTheWireNeverHurtsTheServer() throws Exception {
        try (TestServer s = TestServer.start()) {
            Random random = new Random(42);
            for (int i = 0; i < 50; i++) {
                byte[] junk = new byte[random.nextInt(2000) + 1];
                random.nextBytes(junk);
                rawBytes(s.port, junk);
            }
            rawBytes(s.port, "POST /guess HTTP/1.1\r\nHost: x\r\nContent-Length: 50\r\n\r\n{\"id\"".getBytes());
            rawBytes(s.port, "POST /guess HTTP/1.1\r\nHost: x\r\nContent-Length: -4\r\n\r\n".getBytes());
            rawBytes(s.port, "POST /guess HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n".getBytes());
            for (int i = 0; i < 200; i++) {
                byte[] junk = new byte[random.nextInt(60)];
                random.nextBytes(junk);
                int status = s.post("/guess", new String(junk, StandardCharsets.ISO_8859_1)).statusCode();
                assertThat(status).isIn(400, 404);
            }
            assertThat(s.get("/health").statusCode()).isEqualTo(200);
            assertThat(s.post("/new", "").statusCode()).isEqualTo(200);
        }
    }

    /**
     * Transfer-Encoding together with Content-Length is how a request is smuggled past a front end that frames by
     * Content-Length: the codec would let Transfer-Encoding win, so the "body" below would end after its empty chunk
     * and the rest would be served as a second request. The server refuses the first one and closes instead.
     */
    @Test
    void transferEncodingWithContentLengthIs400AndTheSmuggledRequestIsNeverServed() throws Exception {
        try (TestServer s = TestServer.start()) {
            String smuggled = "POST /new HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n";
            String body = "0\r\n\r\n" + smuggled;
            String[] heads = {
                "POST /new HTTP/1.1\r\nHost: x\r\nContent-Length: " + body.length()
                        + "\r\nTransfer-Encoding: chunked\r\n\r\n",
                "POST /new HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: "
                        + body.length() + "\r\n\r\n",
                "POST /new HTTP/1.1\r\nHost: x\r\ntransfer-encoding: gzip, chunked\r\ncontent-length: "
                        + body.length() + "\r\n\r\n",
                "POST /new HTTP/1.0\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: "
                        + body.length() + "\r\n\r\n",
                "PUT /admin/faults HTTP/1.1\r\nHost: x\r\nContent-Length: " + body.length()
                        + "\r\nTransfer-Encoding: chunked\r\n\r\n",
            };
            for (String head : heads) {
                String answer = raw(s.port, head + body);
                assertThat(answer).as(head).matches("(?s)HTTP/1\\.[01] 400 .*");
                assertThat(answer.split("HTTP/1\\.[01] ", -1)).as("one answer only: " + answer).hasSize(2);
                assertThat(answer).as(head).containsIgnoringCase("connection: close")
                        .contains("{\"error\":\"").contains("Transfer-Encoding");
            }
            String afterAKeptAliveRequest = raw(s.port, "GET /health HTTP/1.1\r\nHost: x\r\n\r\n" + heads[0] + body);
            assertThat(afterAKeptAliveRequest.split("HTTP/1\\.[01] ", -1)).as(afterAKeptAliveRequest).hasSize(3);
            assertThat(afterAKeptAliveRequest).matches("(?s)HTTP/1\\.1 200 .*HTTP/1\\.1 400 .*");
            assertThat(s.get("/metrics").body()).contains("wordgame_games_started_total 0.0");
            assertThat(s.post("/new", "").statusCode()).isEqualTo(200);
        }
    }

    @Test
    void aFullStoreAnswers503WithRetryAfterAndIsNotReady() throws Exception {
        try (TestServer s = TestServer.start("--max-games", "3", "--words", words("apple").toString())) {
            List<String> ids = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                ids.add(new JsonObject(s.post("/new", "").body()).getString("id"));
            }
            HttpResponse<String> full = s.post("/new", "");
            assertThat(full.statusCode()).isEqualTo(503);
            assertThat(full.headers().firstValue("Retry-After")).hasValue("5");
            assertThat(new JsonObject(full.body()).getString("error")).contains("full");
            assertThat(s.get("/ready").statusCode()).isEqualTo(503);
            for (String letter : new String[] {"A", "P", "L", "E"}) {
                s.post("/guess", "{\"id\":\"" + ids.get(0) + "\",\"guess\":\"" + letter + "\"}");
            }
            assertThat(s.get("/ready").statusCode()).isEqualTo(200);
            assertThat(s.post("/new", "").statusCode()).isEqualTo(200);
            assertThat(s.get("/metrics").body()).contains("wordgame_store_rejected_total 1.0");
        }
    }

    @Test
    void abandonedGamesAreEvictedAfterTheTtlAndCounted() throws Exception {
        try (TestServer s = TestServer.start("--game-ttl", "1s", "--max-games", "50")) {
            List<String> ids = new ArrayList<>();
            for (int i = 0; i < 50; i++) {
                ids.add(new JsonObject(s.post("/new", "").body()).getString("id"));
            }
            assertThat(s.post("/new", "").statusCode()).isEqualTo(503);
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(
                    OperationsApiTest.value(s.get("/metrics").body(), "wordgame_games_evicted_total{reason=\"idle\"}"))
                    .isEqualTo(50.0));
            assertThat(OperationsApiTest.value(s.get("/metrics").body(), "wordgame_games_live ")).isZero();
            assertThat(s.post("/guess", "{\"id\":\"" + ids.get(0) + "\",\"guess\":\"A\"}").statusCode()).isEqualTo(404);
            assertThat(s.post("/new", "").statusCode()).isEqualTo(200);
        }
    }

    /** Many clients guess on one game at once: each miss is applied exactly once. */
    @Test
    void concurrentGuessesOverHttpAreAppliedOneAtATime() throws Exception {
        try (TestServer s = TestServer.start("--words", words("zzzzzzzz").toString())) {
            for (int round = 0; round < 20; round++) {
                String id = new JsonObject(s.post("/new", "").body()).getString("id");
                List<CompletableFuture<HttpResponse<String>>> answers = new ArrayList<>();
                for (int i = 0; i < 12; i++) {
                    String body = "{\"id\":\"" + id + "\",\"guess\":\"" + (char) ('A' + i % 5) + "\"}";
                    answers.add(TestServer.client().sendAsync(s.request("/guess")
                            .POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                            HttpResponse.BodyHandlers.ofString()));
                }
                List<Integer> remaining = new ArrayList<>();
                for (CompletableFuture<HttpResponse<String>> a : answers) {
                    HttpResponse<String> r = a.get();
                    if (r.statusCode() == 200) {
                        remaining.add(new JsonObject(r.body()).getInteger("guesses_remaining"));
                    } else {
                        assertThat(r.statusCode()).isEqualTo(404);
                    }
                }
                assertThat(remaining).containsExactlyInAnyOrder(5, 4, 3, 2, 1, 0);
            }
        }
    }

    private static String raw(int port, String request) throws Exception {
        return rawBytes(port, request.getBytes(StandardCharsets.ISO_8859_1));
    }

    /** Sends bytes, half-closes, and reads what comes back (empty when the server just closed). */
    private static String rawBytes(int port, byte[] request) throws Exception {
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(5_000);
            OutputStream out = socket.getOutputStream();
            try {
                out.write(request);
                out.flush();
                socket.shutdownOutput();
            } catch (java.io.IOException e) {
                return "";
            }
            InputStream in = socket.getInputStream();
            try {
                return new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
            } catch (java.io.IOException e) {
                return "";
            }
        }
    }
}
