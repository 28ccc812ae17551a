package dev.faultline.proxy.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.faultline.testkit.Promtool;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Forwarding, headers, trace propagation, limits and hostile clients. */
class ForwardingTest {
    private static final String TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
    private TestUpstream upstream;
    private RunningProxy proxy;

    @BeforeEach
    void start() throws Exception {
        upstream = new TestUpstream();
        proxy = new RunningProxy("limits: {maxHeaderBytes: 4KiB, maxBodyBytes: 1KiB, replayBufferBytes: 512}\n"
                + "paths:\n- path: /api*\n  method: GET\n  forwardPort: " + upstream.port()
                + "\n- path: /api*\n  forwardPort: " + upstream.port() + "\n  maxRetry: 1\n- path: /exact\n  forwardPort: "
                + upstream.port() + "\n");
    }

    @AfterEach
    void stop() throws Exception {
        proxy.close();
        upstream.close();
    }

    @Test
    void routesByGlobAndExactPathAndAnswers404WithoutAMatch() throws Exception {
        assertThat(proxy.get("/api/games/1").statusCode()).isEqualTo(200);
        assertThat(proxy.get("/exact").statusCode()).isEqualTo(200);
        HttpResponse<String> miss = proxy.get("/exact/more");
        assertThat(miss.statusCode()).isEqualTo(404);
        assertThat(new JsonObject(miss.body()).getString("error")).isEqualTo("no route for GET /exact/more");
        assertThat(upstream.requests.get()).isEqualTo(2);
    }

    @Test
    void bodiesAndStatusAndHeadersPassBothWays() throws Exception {
        upstream.answer(req -> req.body().onSuccess(b -> req.response().setStatusCode(201)
                .putHeader("X-Upstream", "yes").end("got " + b)));
        HttpResponse<String> r = proxy.send("POST", "/api/x?q=1", "hello");
        assertThat(r.statusCode()).isEqualTo(201);
        assertThat(r.body()).isEqualTo("got hello");
        assertThat(r.headers().firstValue("X-Upstream")).hasValue("yes");
    }

    @Test
    void hopByHopHeadersAreDroppedAndForwardingHeadersAdded() throws Exception {
        assertThat(rawNoHalfClose("GET /api/x HTTP/1.1\r\nHost: x\r\nConnection: close, X-Secret\r\nX-Secret: s\r\nKeep-Alive: timeout=5\r\n"
                + "X-Keep: k\r\nX-Request-Id: req-7\r\n\r\n")).startsWith("HTTP/1.1 200");
        assertThat(upstream.lastHeaders().get("Keep-Alive")).isNull();
        MultiMap seen = upstream.lastHeaders();
        assertThat(seen.get("X-Secret")).isNull();
        assertThat(seen.get("X-Keep")).isEqualTo("k");
        assertThat(seen.get("X-Forwarded-For")).isEqualTo("127.0.0.1");
        assertThat(seen.get("X-Forwarded-Proto")).isEqualTo("http");
        assertThat(seen.get("X-Request-Id")).isEqualTo("req-7");
        HttpResponse<String> r = proxy.get("/api/x");
        assertThat(r.headers().firstValue("X-Request-Id")).hasValueSatisfying(v -> assertThat(v).matches("[0-9a-f]{32}"));
        assertThat(upstream.lastHeaders().get("X-Request-Id")).isEqualTo(r.headers().firstValue("X-Request-Id").get());
    }

    @Test
    void everyIncomingTraceFormatKeepsItsTraceIdUpstream() throws Exception {
        proxy.get("/api/x", "traceparent", "00-" + TRACE + "-00f067aa0ba902b7-01");
        assertThat(upstreamTraceId()).isEqualTo(TRACE);
        proxy.get("/api/x", "b3", TRACE + "-00f067aa0ba902b7-1");
        assertThat(upstreamTraceId()).isEqualTo(TRACE);
        assertThat(upstream.lastHeaders().get("b3")).startsWith(TRACE + "-");
        proxy.get("/api/x", "X-B3-TraceId", TRACE, "X-B3-SpanId", "00f067aa0ba902b7", "X-B3-Sampled", "1");
        assertThat(upstreamTraceId()).isEqualTo(TRACE);
        proxy.get("/api/x", "uber-trace-id", TRACE + ":00f067aa0ba902b7:0:1");
        assertThat(upstreamTraceId()).isEqualTo(TRACE);
        assertThat(upstream.lastHeaders().get("uber-trace-id")).startsWith(TRACE + ":");
        proxy.get("/api/x");
        String fresh = upstreamTraceId();
        assertThat(fresh).matches("[0-9a-f]{32}").isNotEqualTo(TRACE).isNotEqualTo("0".repeat(32));
        assertThat(upstream.lastHeaders().get("traceparent")).doesNotContain("00f067aa0ba902b7");
    }

    private String upstreamTraceId() {
        return upstream.lastHeaders().get("traceparent").split("-")[1];
    }

    @Test
    void oversizedBodiesAndHeadersAreRefusedWithoutReachingTheUpstream() throws Exception {
        HttpResponse<String> big = proxy.send("POST", "/api/x", "x".repeat(2000));
        assertThat(big.statusCode()).isEqualTo(413);
        assertThat(raw("GET /api/x HTTP/1.1\r\nHost: x\r\nX-Big: " + "a".repeat(8000) + "\r\n\r\n"))
                .matches("(?s)HTTP/1\\.[01] 431 .*");
        assertThat(upstream.requests.get()).isZero();
        assertThat(proxy.get("/api/x").statusCode()).isEqualTo(200);
    }

    @Test
    void chunkedBodiesAreStreamedAndBoundedToo() throws Exception {
        upstream.answer(req -> req.body().onSuccess(b -> req.response().end("len " + b.length())));
        byte[] small = new byte[700];
        HttpResponse<String> ok = TestClient.chunkedPost(proxy.port, "/api/up", small);
        assertThat(ok.body()).isEqualTo("len 700");
        HttpResponse<String> big = TestClient.chunkedPost(proxy.port, "/api/up", new byte[5000]);
        assertThat(big.statusCode()).isEqualTo(413);
        assertThat(proxy.get("/api/x").statusCode()).isEqualTo(200);
    }

    @Test
    void garbageAndAbandonedRequestsDoNotHurtOtherClients() throws Exception {
        Random random = new Random(7);
        for (int i = 0; i < 30; i++) {
            byte[] junk = new byte[random.nextInt(3000) + 1];
            random.nextBytes(junk);
            rawBytes(junk);
        }
        rawBytes("POST /api/x HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nshort".getBytes(StandardCharsets.UTF_8));
        assertThat(proxy.get("/api/x").statusCode()).isEqualTo(200);
    }

    @Test
    void aClientThatStopsReadingDoesNotStallOthers() throws Exception {
        Buffer chunk = Buffer.buffer(new byte[64 * 1024]);
        upstream.answer(req -> {
            if (!req.path().equals("/api/big")) {
                req.response().end("small");
                return;
            }
            var out = req.response().setChunked(true);
            for (int i = 0; i < 320; i++) { // 20 MiB, written as fast as the proxy takes it
                out.write(chunk);
            }
            out.end();
        });
        try (Socket stuck = new Socket("127.0.0.1", proxy.port)) {
            stuck.getOutputStream().write("GET /api/big HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.UTF_8));
            stuck.getOutputStream().flush();
            // the stuck client reads nothing; others still get answers
            for (int i = 0; i < 20; i++) {
                HttpResponse<String> r = proxy.get("/api/small");
                assertThat(r.body()).isEqualTo("small");
            }
        }
    }

    @Test
    void metricsPassPromtool() throws Exception {
        proxy.get("/api/x");
        proxy.get("/nowhere");
        String m = proxy.metrics();
        assertThat(m).contains("proxy_requests_seconds_count{method=\"GET\",route=\"/api*\",status=\"200\"}",
                "proxy_requests_seconds_count{method=\"GET\",route=\"unmatched\",status=\"404\"}",
                "proxy_requests_in_flight", "process_cpu_seconds_total", "resilience4j_retry_calls_total");
        Promtool.assertValidMetrics(m);
    }

    private String raw(String request) throws Exception {
        return rawBytes(request.getBytes(StandardCharsets.ISO_8859_1));
    }

    /** Sends a request on a connection kept open, and reads the answer's head and body (by Content-Length). */
    private String rawNoHalfClose(String request) throws Exception {
        try (Socket s = new Socket("127.0.0.1", proxy.port)) {
            s.setSoTimeout(5000);
            s.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
            s.getOutputStream().flush();
            java.io.ByteArrayOutputStream got = new java.io.ByteArrayOutputStream();
            InputStream in = s.getInputStream();
            while (true) {
                String text = got.toString(StandardCharsets.ISO_8859_1);
                int head = text.indexOf("\r\n\r\n");
                if (head >= 0) {
                    java.util.regex.Matcher m = java.util.regex.Pattern.compile("(?i)content-length: *(\\d+)").matcher(text);
                    int length = m.find() ? Integer.parseInt(m.group(1)) : 0;
                    if (text.length() >= head + 4 + length) {
                        return text;
                    }
                }
                int b = in.read();
                if (b < 0) {
                    return text;
                }
                got.write(b);
            }
        }
    }

    private String rawBytes(byte[] request) throws Exception {
        try (Socket s = new Socket("127.0.0.1", proxy.port)) {
            s.setSoTimeout(5000);
            OutputStream out = s.getOutputStream();
            try {
                out.write(request);
                out.flush();
                s.shutdownOutput();
                InputStream in = s.getInputStream();
                return new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
            } catch (java.io.IOException e) {
                return "";
            }
        }
    }
}
