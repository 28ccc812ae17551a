package dev.faultline.wordgame.http;

import io.opentelemetry.api.trace.Span;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import org.slf4j.MDC;

/** One request in flight: the request, its span and ids, and the helpers that answer it. */
final class Exchange {
    static final String JSON = "application/json";

    final HttpServerRequest request;
    final Route route;
    final Span span;
    final String requestId;
    final long startNanos;
    Buffer body;
    /** Set when the request carried a new Idempotency-Key: its answer is kept for repeats ({@link #send}). */
    Idempotency.Pending idempotency;
    private boolean finished;

    Exchange(HttpServerRequest request, Route route, Span span, String requestId, long startNanos) {
        this.request = request;
        this.route = route;
        this.span = span;
        this.requestId = requestId;
        this.startNanos = startNanos;
    }

    HttpServerResponse response() {
        return request.response();
    }

    /** Answers with a JSON body (already encoded). */
    void json(int status, String body) {
        send(status, JSON, body);
    }

    /** Answers {@code {"error": message}} with the status. */
    void error(int status, String message) {
        json(status, new JsonObject().put("error", message).encode());
    }

    /** Answers; the answer is kept for repeats of an idempotency key even when the client has gone. */
    void send(int status, String contentType, String body) {
        Idempotency.Pending pending = idempotency;
        if (pending != null) {
            idempotency = null;
            pending.answered(status, contentType, body);
        }
        HttpServerResponse response = response();
        if (response.ended() || response.closed()) {
            return;
        }
        response.setStatusCode(status).putHeader("Content-Type", contentType).end(body);
    }

    /** Marks the exchange finished once; false when it already was (end and close can both fire). */
    boolean finish() {
        if (finished) {
            return false;
        }
        finished = true;
        return true;
    }

    /** Puts the trace and request ids into the logging context of this thread. */
    void enterLogContext() {
        MDC.put("trace_id", span.getSpanContext().getTraceId());
        MDC.put("span_id", span.getSpanContext().getSpanId());
        MDC.put("request_id", requestId);
    }

    static void leaveLogContext() {
        MDC.remove("trace_id");
        MDC.remove("span_id");
        MDC.remove("request_id");
    }
}
