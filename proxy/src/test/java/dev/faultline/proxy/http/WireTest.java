package dev.faultline.proxy.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.faultline.proxy.http.RawHttp.Answer;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** HTTP/1.x as it goes over the wire through the proxy: framing both ways, versions, pipelining, expectations. */
class WireTest {
    private TestUpstream upstream;
    private RunningProxy proxy;

    @BeforeEach
    void start() throws Exception {
        upstream = new TestUpstream();
        upstream.answer(req -> req.body().onSuccess(b -> req.response().end(req.method() + " " + req.uri() + " " + b)));
        proxy = new RunningProxy("paths:\n- path: /*\n  forwardPort: " + upstream.port() + "\n");
    }

    @AfterEach
    void stop() throws Exception {
        proxy.close();
        upstream.close();
    }

    @Test
    void idleClientAndUpstreamConnectionsAreClosedAfterTheIdleTimeout() throws Exception {
        try (RunningProxy p = new RunningProxy("limits: {idleTimeout: 1s}\npaths:\n- path: /*\n  forwardPort: "
                + upstream.port() + "\n"); java.net.Socket idle = new java.net.Socket("127.0.0.1", p.port)) {
            idle.setSoTimeout(5000);
            long start = System.nanoTime();
            idle.getOutputStream().write("GET /i HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            assertThat(RawHttp.read(idle.getInputStream(), false).body()).isEqualTo("GET /i ");
            assertThat(idle.getInputStream().read()).isEqualTo(-1); // closed by the proxy, nothing more sent
            long ms = (System.nanoTime() - start) / 1_000_000;
            assertThat(ms).isBetween(1000L, 3000L);
            await().atMost(Duration.ofSeconds(5)).until(() -> upstream.closedConnections.get() == 1);
            assertThat(p.get("/again").body()).isEqualTo("GET /again "); // on a new upstream connection
            assertThat(upstream.connections.get()).isEqualTo(2);
        }
    }

    @Test
    void pipelinedRequestsAreAnsweredInOrderOnOneConnection() throws Exception {
        List<Answer> answers = RawHttp.exchange(proxy.port, "GET /1 HTTP/1.1\r\nHost: x\r\n\r\n"
                + "POST /2 HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n\r\nbody"
                + "GET /3 HTTP/1.1\r\nHost: x\r\n\r\n", 3);
        assertThat(answers).extracting(Answer::body).containsExactly("GET /1 ", "POST /2 body", "GET /3 ");
        assertThat(upstream.requests.get()).isEqualTo(3);
    }

    @Test
    void http10ClientsGetHostAddedAnswersInTheirVersionAndKeepAliveOnlyWhenAsked() throws Exception {
        List<Answer> closed = RawHttp.exchange(proxy.port, "GET /old HTTP/1.0\r\n\r\n", 2);
        assertThat(closed).hasSize(1); // then the proxy closed the connection
        assertThat(closed.get(0).statusLine()).startsWith("HTTP/1.0 200");
        assertThat(closed.get(0).fields()).containsEntry("connection", "close");
        assertThat(upstream.lastHeaders().get("Host")).isEqualTo("127.0.0.1:" + upstream.port());

        List<Answer> kept = RawHttp.exchange(proxy.port, "GET /a HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"
                + "GET /b HTTP/1.0\r\n\r\n", 3);
        assertThat(kept).extracting(Answer::body).containsExactly("GET /a ", "GET /b ");
        assertThat(kept.get(0).fields()).containsEntry("connection", "keep-alive");
    }

    @Test
    void chunkedAnswersStayChunkedForHttp11AndEndWithTheConnectionForHttp10() throws Exception {
        upstream.answer(req -> {
            req.response().setChunked(true).write("part one, ");
            req.response().end("part two");
        });
        Answer chunked = RawHttp.exchange(proxy.port, "GET /c HTTP/1.1\r\nHost: x\r\n\r\n", 1).get(0);
        assertThat(chunked.fields()).containsEntry("transfer-encoding", "chunked").doesNotContainKey("content-length");
        assertThat(chunked.body()).isEqualTo("part one, part two");
        Answer old = RawHttp.exchange(proxy.port, "GET /c HTTP/1.0\r\n\r\n", 1).get(0);
        assertThat(old.fields()).doesNotContainKey("transfer-encoding").containsEntry("connection", "close");
        assertThat(old.body()).isEqualTo("part one, part two");
    }

    @Test
    void aCloseDelimitedUpstreamAnswerIsRelayedChunked() throws Exception {
        try (RawHttp.Upstream raw = new RawHttp.Upstream("HTTP/1.0 200 OK\r\nX-Raw: yes\r\n\r\nto the end");
             RunningProxy p = new RunningProxy("paths:\n- path: /*\n  forwardPort: " + raw.port() + "\n")) {
            List<Answer> answers = RawHttp.exchange(p.port, "GET /r HTTP/1.1\r\nHost: x\r\n\r\nGET /r HTTP/1.1\r\nHost: x\r\n\r\n", 2);
            assertThat(answers).hasSize(2); // the client's connection outlives the upstream's
            for (Answer a : answers) {
                assertThat(a.fields()).containsEntry("transfer-encoding", "chunked").containsEntry("x-raw", "yes");
                assertThat(a.body()).isEqualTo("to the end");
            }
        }
    }

    @Test
    void anUpstreamThatSaysCloseIsNotAskedAgainOnThatConnection() throws Exception {
        upstream.answer(req -> req.response().putHeader("Connection", "close").end("bye"));
        for (int i = 0; i < 3; i++) {
            assertThat(proxy.get("/x").body()).isEqualTo("bye");
        }
        assertThat(upstream.connections.get()).isEqualTo(3);
        assertThat(upstream.requests.get()).isEqualTo(3);
    }

    @Test
    void requestsThatCouldBeFramedTwoWaysAreRefusedAndNeverForwarded() throws Exception {
        Answer smuggle = RawHttp.exchange(proxy.port, "POST /s HTTP/1.1\r\nHost: x\r\nContent-Length: 6\r\n"
                + "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /hidden HTTP/1.1\r\nHost: x\r\n\r\n", 2).get(0);
        assertThat(smuggle.status()).isEqualTo(400);
        assertThat(smuggle.fields()).containsEntry("connection", "close").containsEntry("content-type", "application/json");
        assertThat(new JsonObject(smuggle.body()).getString("error")).isEqualTo("both Content-Length and Transfer-Encoding");
        Answer twoLengths = RawHttp.exchange(proxy.port, "POST /s HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\n"
                + "Content-Length: 2\r\n\r\nab", 1).get(0);
        assertThat(twoLengths.status()).isEqualTo(400);
        Answer h2 = RawHttp.exchange(proxy.port, "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", 1).get(0);
        assertThat(h2.status()).isEqualTo(505);
        assertThat(upstream.requests.get()).isZero();
    }

    @Test
    void expectContinueIsAnsweredByTheProxyAndOtherExpectationsRefused() throws Exception {
        List<Answer> answers = RawHttp.exchange(proxy.port, "PUT /e HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n"
                + "Expect: 100-continue\r\n\r\nabc", 2);
        assertThat(answers).extracting(Answer::status).containsExactly(100, 200);
        assertThat(answers.get(1).body()).isEqualTo("PUT /e abc");
        assertThat(upstream.lastHeaders().get("Expect")).isNull();
        Answer refused = RawHttp.exchange(proxy.port, "PUT /e HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n"
                + "Expect: something-else\r\n\r\nabc", 1).get(0);
        assertThat(refused.status()).isEqualTo(417);
        assertThat(upstream.requests.get()).isEqualTo(1);
    }

    @Test
    void largeBodiesStreamBothWaysWithTheirFraming() throws Exception {
        upstream.answer(req -> req.body().onSuccess(b -> {
            java.util.zip.CRC32 crc = new java.util.zip.CRC32();
            crc.update(b.getBytes());
            req.response().end(b.length() + " " + crc.getValue() + " " + req.getHeader("Content-Length") + " "
                    + req.getHeader("Transfer-Encoding"));
        }));
        byte[] big = new byte[3 * 1024 * 1024 + 17]; // over the replay buffer: streamed, not buffered
        new java.util.Random(3).nextBytes(big);
        java.util.zip.CRC32 crc = new java.util.zip.CRC32();
        crc.update(big);
        java.net.http.HttpResponse<String> sized = java.net.http.HttpClient.newBuilder()
                .version(java.net.http.HttpClient.Version.HTTP_1_1).build().send(java.net.http.HttpRequest
                        .newBuilder(java.net.URI.create("http://127.0.0.1:" + proxy.port + "/big"))
                        .POST(java.net.http.HttpRequest.BodyPublishers.ofByteArray(big)).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        assertThat(sized.body()).isEqualTo(big.length + " " + crc.getValue() + " " + big.length + " null");
        java.net.http.HttpResponse<String> chunked = TestClient.chunkedPost(proxy.port, "/big", big);
        assertThat(chunked.body()).isEqualTo(big.length + " " + crc.getValue() + " null chunked");

        upstream.answer(req -> req.response().end(io.vertx.core.buffer.Buffer.buffer(big)));
        java.net.http.HttpResponse<byte[]> down = java.net.http.HttpClient.newBuilder()
                .version(java.net.http.HttpClient.Version.HTTP_1_1).build().send(java.net.http.HttpRequest
                        .newBuilder(java.net.URI.create("http://127.0.0.1:" + proxy.port + "/down")).build(),
                java.net.http.HttpResponse.BodyHandlers.ofByteArray());
        assertThat(down.body()).isEqualTo(big);
        assertThat(down.headers().firstValue("Content-Length")).hasValue(Integer.toString(big.length));
    }

    @Test
    void aCallersSampledFlagAndTraceStateGoUpstreamWithANewSpanId() throws Exception {
        String trace = "4bf92f3577b34da6a3ce929d0e0e4736";
        proxy.get("/t", "traceparent", "00-" + trace + "-00f067aa0ba902b7-00");
        assertThat(upstream.lastHeaders().get("traceparent")).matches("00-" + trace + "-[0-9a-f]{16}-00")
                .doesNotContain("00f067aa0ba902b7");
        assertThat(upstream.lastHeaders().get("b3")).matches(trace + "-[0-9a-f]{16}-0");
        assertThat(upstream.lastHeaders().get("uber-trace-id")).matches(trace + ":[0-9a-f]{16}:0:0");
        proxy.get("/t", "traceparent", "00-" + trace + "-00f067aa0ba902b7-01", "tracestate", "vendor=x");
        assertThat(upstream.lastHeaders().get("traceparent")).matches("00-" + trace + "-[0-9a-f]{16}-01");
        assertThat(upstream.lastHeaders().get("tracestate")).isEqualTo("vendor=x");
        try (RunningProxy unsampled = new RunningProxy("tracing: {samplingRatio: 0}\npaths:\n- path: /*\n  forwardPort: "
                + upstream.port() + "\n")) {
            unsampled.get("/t");
            assertThat(upstream.lastHeaders().get("traceparent")).matches("00-[0-9a-f]{32}-[0-9a-f]{16}-00");
        }
    }

    @Test
    void headAnswersKeepTheirLengthAndHaveNoBody() throws Exception {
        upstream.answer(req -> req.response().putHeader("Content-Length", "11").end());
        List<Answer> answers = RawHttp.exchange(proxy.port, "HEAD /h HTTP/1.1\r\nHost: x\r\n\r\n"
                + "HEAD /h HTTP/1.1\r\nHost: x\r\n\r\n", 2, true);
        assertThat(answers).hasSize(2).allSatisfy(a -> {
            assertThat(a.status()).isEqualTo(200);
            assertThat(a.fields()).containsEntry("content-length", "11");
            assertThat(a.body()).isEmpty();
        });
    }

    @Test
    void fieldLinesArriveAsSentExceptHopByHopOnesAndUnknownMethodsAreOneMetricLabel() throws Exception {
        RawHttp.exchange(proxy.port, "GET /f HTTP/1.1\r\nHost: x\r\nX-Spaces:   padded  \r\nTE: trailers\r\n"
                + "Upgrade: websocket\r\nProxy-Connection: keep-alive\r\nX-Forwarded-For: 10.0.0.1\r\n\r\n", 1);
        assertThat(upstream.lastHeaders().get("X-Spaces")).isEqualTo("padded");
        assertThat(upstream.lastHeaders().get("TE")).isNull();
        assertThat(upstream.lastHeaders().get("Upgrade")).isNull();
        assertThat(upstream.lastHeaders().get("Proxy-Connection")).isNull();
        assertThat(upstream.lastHeaders().get("X-Forwarded-For")).isEqualTo("10.0.0.1, 127.0.0.1");
        for (String m : new String[] {"BREW", "FOO", "BAR"}) {
            assertThat(RawHttp.exchange(proxy.port, m + " /m HTTP/1.1\r\nHost: x\r\n\r\n", 1).get(0).status())
                    .isEqualTo(200);
        }
        assertThat(proxy.metric("proxy_requests_seconds_count{method=\"other\",route=\"/*\",status=\"200\"}")).isEqualTo(3.0);
        assertThat(proxy.metrics()).doesNotContain("BREW");
    }

    /** The request's only answer: {@code status}, a JSON error, Connection: close, then the end of the stream. */
    private Answer refusedAndClosed(int port, String request, int status) throws Exception {
        List<Answer> answers = RawHttp.exchange(port, request, 2);
        assertThat(answers).as(request).hasSize(1);
        Answer a = answers.get(0);
        assertThat(a.status()).as(request).isEqualTo(status);
        assertThat(a.fields()).containsEntry("connection", "close").containsEntry("content-type", "application/json");
        assertThat(new JsonObject(a.body()).getString("error")).isNotBlank();
        return a;
    }

    @Test
    void transferCodingsOtherThanOneChunkedAreRefusedAndTheHiddenRequestNeverReachesTheUpstream() throws Exception {
        String hidden = "\r\n0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n";
        Answer gzip = refusedAndClosed(proxy.port, "POST /te HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n"
                + hidden, 501);
        assertThat(new JsonObject(gzip.body()).getString("error")).isEqualTo("transfer coding gzip is not implemented (only chunked)");
        refusedAndClosed(proxy.port, "POST /te HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: identity, chunked\r\n" + hidden, 501);
        refusedAndClosed(proxy.port, "POST /te HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: x\r\n"
                + "Transfer-Encoding: chunked\r\n" + hidden, 501); // TE.TE: the lines are one list, judged whole
        refusedAndClosed(proxy.port, "POST /te HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
                + "Transfer-Encoding: chunked\r\n" + hidden, 400);
        assertThat(upstream.requests.get()).isZero();
        // the TE field (which codings the client accepts in answers) does not frame a request: this POST has no
        // body, and what follows it is a malformed request line
        List<Answer> te = RawHttp.exchange(proxy.port, "POST /te HTTP/1.1\r\nHost: x\r\nTE: x\r\nTE: chunked\r\n" + hidden, 3);
        assertThat(te).extracting(Answer::status).containsExactly(200, 400);
        assertThat(upstream.uris).containsExactly("/te").doesNotContain("/smuggled");
    }

    @Test
    void looseChunkSizesAndRequestLinesPosingAsTrailersAreRefusedAndNothingArrivesWhole() throws Exception {
        String post = "POST /ch HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n";
        refusedAndClosed(proxy.port, post + "0x5\r\nhello\r\n0\r\n\r\n", 400);
        refusedAndClosed(proxy.port, post + "5x\r\nhello\r\n0\r\n\r\n", 400);
        refusedAndClosed(proxy.port, post + "0\r\nGET /hidden HTTP/1.1\r\nHost: x\r\n\r\n", 400);
        assertThat(upstream.completed).isEmpty();
        assertThat(upstream.uris).doesNotContain("/hidden");
    }

    @Test
    void equalContentLengthsGoUpstreamAsOneCanonicalFieldAndDifferingOnesAreRefused() throws Exception {
        List<Answer> answers = RawHttp.exchange(proxy.port, "POST /l HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n"
                + "Content-Length: 010\r\n\r\n0123456789POST /l HTTP/1.1\r\nHost: x\r\nContent-Length: 5, 5\r\n\r\nhello", 2);
        assertThat(answers).extracting(Answer::body).containsExactly("POST /l 0123456789", "POST /l hello");
        assertThat(upstream.headers).extracting(h -> h.getAll("Content-Length")).containsExactly(List.of("10"), List.of("5"));
        refusedAndClosed(proxy.port, "POST /l HTTP/1.1\r\nHost: x\r\nContent-Length: 5, 6\r\n\r\nhello", 400);
        assertThat(upstream.requests.get()).isEqualTo(2);
    }

    @Test
    void aChunkOverTheBodyLimitGets413AtOnceAndALeadingBareCrGets400() throws Exception {
        try (RunningProxy small = new RunningProxy("limits: {maxBodyBytes: 1KiB}\npaths:\n- path: /*\n  forwardPort: "
                + upstream.port() + "\n  timeout: 10s\n")) {
            long start = System.nanoTime();
            refusedAndClosed(small.port, "POST /big HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                    + "100000\r\nonly a few bytes", 413);
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(3));
            refusedAndClosed(small.port, "\rGET /cr HTTP/1.1\r\nHost: x\r\n\r\n", 400);
        }
        assertThat(upstream.completed).isEmpty();
        assertThat(upstream.uris).doesNotContain("/cr");
    }

    @Test
    void nothingPipelinedAfterAnAnswerThatClosesTheConnectionIsReadOrForwarded() throws Exception {
        warmPools(proxy.port); // an idle upstream connection makes forwarding immediate (no connect to race the close)
        refusedAndClosed(proxy.port, "PUT /e HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nExpect: something-else\r\n\r\nabc"
                + "GET /after-417 HTTP/1.1\r\nHost: x\r\n\r\n", 417);
        List<Answer> old = RawHttp.exchange(proxy.port, "GET * HTTP/1.0\r\n\r\nGET /after-404 HTTP/1.1\r\nHost: x\r\n\r\n", 2);
        assertThat(old).extracting(Answer::status).containsExactly(404); // HTTP/1.0 without keep-alive: then closed
        try (RunningProxy small = new RunningProxy("limits: {maxBodyBytes: 1KiB}\npaths:\n- path: /*\n  forwardPort: "
                + upstream.port() + "\n")) {
            warmPools(small.port);
            refusedAndClosed(small.port, "POST /big HTTP/1.1\r\nHost: x\r\nContent-Length: 1100\r\n\r\n" + "a".repeat(1100)
                    + "GET /after-413 HTTP/1.1\r\nHost: x\r\n\r\n", 413);
        }
        await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(3))
                .until(() -> upstream.uris.stream().noneMatch(u -> u.startsWith("/after")));
    }

    /** Leaves an idle upstream connection in the pool of every event loop (connections go to the loops in turn). */
    private static void warmPools(int port) throws Exception {
        for (int i = 0; i < 2 * Runtime.getRuntime().availableProcessors(); i++) {
            assertThat(RawHttp.exchange(port, "GET /warm HTTP/1.1\r\nHost: x\r\n\r\n", 1).get(0).status()).isEqualTo(200);
        }
    }
}
