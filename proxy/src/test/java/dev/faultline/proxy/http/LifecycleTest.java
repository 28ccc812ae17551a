package dev.faultline.proxy.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Graceful shutdown and slow clients. */
class LifecycleTest {
    private TestUpstream upstream;

    @BeforeEach
    void start() throws Exception {
        upstream = new TestUpstream();
    }

    @AfterEach
    void stop() throws Exception {
        upstream.close();
    }

    @Test
    void shutdownLetsInFlightRequestsFinishAndRefusesNewConnections() throws Exception {
        upstream.answer(req -> upstream.vertx.setTimer(500, id -> req.response().end("finished")));
        RunningProxy p = new RunningProxy("limits: {shutdownTimeout: 5s}\npaths:\n- path: /*\n  forwardPort: "
                + upstream.port() + "\n");
        CompletableFuture<HttpResponse<String>> inFlight = CompletableFuture.supplyAsync(() -> {
            try {
                return p.get("/slow");
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        await().atMost(Duration.ofSeconds(5)).until(() -> upstream.requests.get() == 1);
        p.close();
        HttpResponse<String> r = inFlight.get();
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).isEqualTo("finished");
        assertThat(new java.net.Socket()).satisfies(s -> {
            try (s) {
                s.connect(new java.net.InetSocketAddress("127.0.0.1", p.port), 1000);
                throw new AssertionError("the listener should be closed");
            } catch (java.io.IOException expected) {
                // refused: nothing listens any more
            }
        });
    }

    @Test
    void aClientThatNeverSendsItsBodyGets408AndTheUpstreamSeesNothing() throws Exception {
        try (RunningProxy p = new RunningProxy("limits: {requestTimeout: 300ms}\npaths:\n- path: /*\n  forwardPort: "
                + upstream.port() + "\n  maxRetry: 1\n");
             Socket s = new Socket("127.0.0.1", p.port)) {
            s.setSoTimeout(5000);
            s.getOutputStream().write("PUT /x HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc"
                    .getBytes(StandardCharsets.ISO_8859_1));
            s.getOutputStream().flush();
            byte[] head = new byte[12];
            int n = s.getInputStream().readNBytes(head, 0, 12);
            assertThat(new String(head, 0, n, StandardCharsets.ISO_8859_1)).isEqualTo("HTTP/1.1 408");
            assertThat(upstream.requests.get()).isZero();
            assertThat(p.get("/ok").statusCode()).isEqualTo(200);
        }
    }
}
