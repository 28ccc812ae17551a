package dev.faultline.prober.probe;

import dev.faultline.prober.config.ProberConfig.Probe;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongSupplier;

/**
 * One probe of one endpoint: a request on a fresh connection, bounded by the probe's timeout from the first byte
 * sent to the last byte received, judged by status and body. Only the first 64 KiB of a body are kept.
 */
public final class HttpProbe {
    static final String USER_AGENT = "faultline-prober/1";
    private static final int BODY_LIMIT = 64 * 1024;

    private final Vertx vertx;
    private final HttpClient client;
    private final Probe probe;
    private final LongSupplier nanoTime;

    public HttpProbe(Vertx vertx, HttpClient client, Probe probe, LongSupplier nanoTime) {
        this.vertx = vertx;
        this.client = client;
        this.probe = probe;
        this.nanoTime = nanoTime;
    }

    public Probe probe() {
        return probe;
    }

    /** Runs the probe once; the future always succeeds, with a failed {@link ProbeResult} when the probe failed. */
    public Future<ProbeResult> run(long sequence) {
        Promise<ProbeResult> done = Promise.promise();
        long start = nanoTime.getAsLong();
        long timeoutMs = probe.timeout().toMillis();
        AtomicReference<HttpClientRequest> request = new AtomicReference<>();
        long timer = vertx.setTimer(timeoutMs, id -> {
            if (finish(done, start, 0, "timeout: no complete answer within " + timeoutMs + " ms")) {
                HttpClientRequest r = request.get();
                if (r != null) {
                    r.reset();
                }
            }
        });
        RequestOptions options = new RequestOptions().setMethod(HttpMethod.valueOf(probe.method()))
                .setAbsoluteURI(probe.url().toString()).setConnectTimeout(timeoutMs).setIdleTimeout(timeoutMs)
                .putHeader("User-Agent", USER_AGENT)
                .putHeader("X-Request-Id", "prober-" + probe.name() + "-" + sequence);
        client.request(options).compose(req -> {
            request.set(req);
            return req.send();
        }).onSuccess(resp -> {
            Buffer body = Buffer.buffer();
            resp.handler(chunk -> {
                int room = BODY_LIMIT - body.length();
                if (room > 0) {
                    body.appendBuffer(chunk, 0, Math.min(room, chunk.length()));
                }
            });
            resp.exceptionHandler(e -> finish(done, start, resp.statusCode(), describe(e)));
            resp.endHandler(v -> finish(done, start, resp.statusCode(), judge(resp.statusCode(), body)));
        }).onFailure(e -> finish(done, start, 0, describe(e)));
        return done.future().onComplete(r -> vertx.cancelTimer(timer));
    }

    /** Null when the answer is what the probe expects, otherwise why not. */
    private String judge(int status, Buffer body) {
        if (!probe.statusExpected(status)) {
            return "status " + status + ", expected " + probe.expectedStatusText();
        }
        if (probe.expectBody().isPresent()
                && !body.toString(StandardCharsets.UTF_8).contains(probe.expectBody().get())) {
            return "body does not contain \"" + probe.expectBody().get() + "\"";
        }
        return null;
    }

    private boolean finish(Promise<ProbeResult> done, long start, int status, String error) {
        Duration took = Duration.ofNanos(nanoTime.getAsLong() - start);
        return done.tryComplete(new ProbeResult(probe.name(), probe.url().toString(), took, status, error == null,
                Optional.ofNullable(error)));
    }

    /** One line: the exception's message (e.g. "Connection refused: /127.0.0.1:1"), else its type. */
    static String describe(Throwable e) {
        String m = e.getMessage();
        if (m == null || m.isBlank()) {
            m = e.getClass().getSimpleName();
        }
        m = m.replaceAll("\\s+", " ").strip();
        return m.length() > 300 ? m.substring(0, 300) + "…" : m;
    }
}
