package dev.faultline.proxy.http;

import dev.faultline.proxy.config.ProxyConfig;
import dev.faultline.proxy.config.ProxyConfig.Route;
import dev.faultline.proxy.telemetry.ProxyMetrics;
import dev.faultline.proxy.telemetry.Tracing;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.retry.Retry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.context.propagation.TextMapPropagator;
import io.vertx.core.Handler;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import java.net.ConnectException;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One request through the proxy: route, rate limit, bounded body, attempts (each through the breaker and bounded
 * by the route's timeout, retried with backoff when allowed), then the upstream answer streamed back. The answers the
 * proxy makes itself are written in one place ({@link Exchange#fail}).
 */
final class Forwarder implements Handler<HttpServerRequest> {
    private static final Logger LOG = LoggerFactory.getLogger(Forwarder.class);
    private static final Logger ACCESS = LoggerFactory.getLogger("access");
    private static final Set<HttpMethod> IDEMPOTENT = Set.of(HttpMethod.GET, HttpMethod.HEAD, HttpMethod.OPTIONS,
            HttpMethod.TRACE, HttpMethod.PUT, HttpMethod.DELETE);
    private static final TextMapGetter<HttpServerRequest> GETTER = new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(HttpServerRequest carrier) {
            return carrier.headers().names();
        }

        @Override
        public String get(HttpServerRequest carrier, String key) {
            return carrier == null ? null : carrier.getHeader(key);
        }
    };

    private final Vertx vertx;
    private final ProxyConfig config;
    private final List<RouteRuntime> routes;
    private final HttpClient client;
    private final ProxyMetrics metrics;
    private final ProxyMetrics.RouteMeters unmatched;
    private final Tracing tracing;
    private final TextMapPropagator propagator;
    private final AtomicBoolean accepting;

    Forwarder(Vertx vertx, ProxyConfig config, List<RouteRuntime> routes, HttpClient client, ProxyMetrics metrics,
              Tracing tracing, AtomicBoolean accepting) {
        this.vertx = vertx;
        this.config = config;
        this.routes = routes;
        this.client = client;
        this.metrics = metrics;
        this.unmatched = metrics.route("unmatched");
        this.tracing = tracing;
        this.propagator = tracing.propagator();
        this.accepting = accepting;
    }

    @Override
    public void handle(HttpServerRequest req) {
        req.pause();
        RouteRuntime rt = null;
        for (RouteRuntime r : routes) {
            if (r.route.matches(req.path(), req.method().name())) {
                rt = r;
                break;
            }
        }
        Exchange ex = new Exchange(req, rt);
        if (!accepting.get()) {
            ex.fail(503, "proxy is shutting down", "1");
            return;
        }
        if (metrics.inFlight().get() >= config.limits().maxInFlight()) {
            ex.fail(503, "proxy is at its limit of " + config.limits().maxInFlight() + " requests in flight", "1");
            return;
        }
        if (rt == null) {
            ex.fail(404, "no route for " + req.method().name() + " " + truncate(req.path()), null);
            return;
        }
        if (rt.limiter.isPresent() && !rt.limiter.get().acquirePermission()) {
            metrics.rateLimited(rt.route.name());
            ex.fail(429, "rate limit of " + rt.route.rateLimiting().get().maxAmount() + " requests per "
                    + rt.route.rateLimiting().get().expiration().toMillis() + " ms reached", 
                    Long.toString(rt.limiterRetryAfterSeconds()));
            return;
        }
        ex.start();
    }

    private static String truncate(String s) {
        return s.length() <= 200 ? s : s.substring(0, 200) + "…";
    }

    /** The state of one request. Lives on the request's event loop. */
    private final class Exchange {
        final HttpServerRequest req;
        final RouteRuntime rt;
        final Route route;
        final long startNanos = System.nanoTime();
        final String requestId;
        final Span span;
        final String routeName;
        final ProxyMetrics.RouteMeters meters;
        boolean done;
        Buffer body;
        HttpClientRequest current;
        io.vertx.core.streams.Pipe<Buffer> pipe;
        Retry.AsyncContext<Integer> retryContext;
        int attempts;

        Exchange(HttpServerRequest req, RouteRuntime rt) {
            this.req = req;
            this.rt = rt;
            this.route = rt == null ? null : rt.route;
            this.routeName = rt == null ? "unmatched" : rt.route.name();
            this.meters = rt == null ? unmatched : rt.meters;
            String given = req.getHeader("X-Request-Id");
            this.requestId = given != null && !given.isEmpty() && given.length() <= 128
                    && given.chars().allMatch(c -> c > 0x20 && c < 0x7f) ? given : newId();
            Context parent = propagator.extract(Context.root(), req, GETTER);
            this.span = tracing.serverSpan(parent, req.method().name(), req.path(), routeName);
            metrics.inFlight().incrementAndGet();
            HttpServerResponse out = req.response();
            out.putHeader("X-Request-Id", requestId);
            out.endHandler(v -> finish());
            out.closeHandler(v -> {
                if (!done) {
                    if (pipe != null) {
                        pipe.close();
                    }
                    if (current != null) {
                        current.reset();
                    }
                }
                finish();
            });
        }

        /** Reads the body (bounded) when it may be replayed, else streams it once; then the first attempt. */
        void start() {
            String length = req.getHeader("Content-Length");
            long declared = -1;
            if (length != null) {
                try {
                    declared = Long.parseLong(length.strip());
                } catch (NumberFormatException e) {
                    fail(400, "Content-Length is not a number", null);
                    return;
                }
            }
            if (declared > config.limits().maxBodyBytes()) {
                req.response().putHeader("Connection", "close");
                fail(413, "request body is larger than " + config.limits().maxBodyBytes() + " bytes", null);
                return;
            }
            boolean retryable = route.maxRetry() > 0 && (IDEMPOTENT.contains(req.method()) || route.retryNonIdempotent());
            boolean hasBody = declared > 0 || req.headers().contains("Transfer-Encoding");
            boolean replayable = !hasBody || (declared >= 0 && declared <= config.limits().replayBufferBytes());
            retryContext = retryable && replayable ? rt.retry.asyncContext() : null;
            if (!hasBody) {
                body = Buffer.buffer();
                attempt();
            } else if (replayable) {
                readWhole();
            } else {
                attempt();
            }
        }

        private void readWhole() {
            Buffer collected = Buffer.buffer();
            long timer = vertx.setTimer(config.limits().requestTimeout().toMillis(),
                    id -> fail(408, "request body not received within " + config.limits().requestTimeout().toMillis()
                            + " ms", null));
            req.handler(chunk -> {
                if (collected.length() + chunk.length() > config.limits().replayBufferBytes()) {
                    vertx.cancelTimer(timer);
                    req.response().putHeader("Connection", "close");
                    fail(413, "request body is larger than declared", null);
                    return;
                }
                collected.appendBuffer(chunk);
            });
            req.endHandler(v -> {
                vertx.cancelTimer(timer);
                if (!done) {
                    body = collected;
                    attempt();
                }
            });
            req.exceptionHandler(t -> vertx.cancelTimer(timer));
            req.resume();
        }

        /** One attempt upstream, through the breaker, bounded by the route's timeout. */
        void attempt() {
            if (done) {
                return;
            }
            Optional<CircuitBreaker> breaker = rt.breaker;
            if (breaker.isPresent() && !breaker.get().tryAcquirePermission()) {
                metrics.breakerRejection(routeName);
                fail(503, "circuit breaker for " + routeName + " is open", Long.toString(rt.breakerRetryAfterSeconds()));
                return;
            }
            attempts++;
            long t0 = System.nanoTime();
            Span attemptSpan = tracing.attemptSpan(span, req.method().name(), route.forwardPort(), attempts);
            MultiMap headers = Headers.endToEnd(req.headers(), true);
            String remote = req.remoteAddress() == null ? null : req.remoteAddress().hostAddress();
            if (remote != null) {
                String xff = req.getHeader("X-Forwarded-For");
                headers.set("X-Forwarded-For", xff == null ? remote : xff + ", " + remote);
            }
            headers.set("X-Forwarded-Proto", req.isSSL() ? "https" : "http");
            headers.set("X-Request-Id", requestId);
            propagator.inject(Context.root().with(attemptSpan), headers, (carrier, k, v) -> carrier.set(k, v));
            RequestOptions options = new RequestOptions().setMethod(req.method()).setHost(route.forwardHost())
                    .setPort(route.forwardPort()).setURI(req.uri()).setHeaders(headers)
                    .setConnectTimeout(route.timeout().toMillis());
            long[] timer = {-1};
            timer[0] = vertx.setTimer(route.timeout().toMillis(), id -> {
                timer[0] = -1;
                if (current != null) {
                    current.reset(0, new TimeoutException("timeout"));
                }
            });
            client.request(options).compose(creq -> {
                current = creq;
                if (body != null) {
                    return creq.send(body);
                }
                return streamBody(creq);
            }).onComplete(ar -> {
                if (timer[0] >= 0) {
                    vertx.cancelTimer(timer[0]);
                }
                long nanos = System.nanoTime() - t0;
                if (ar.succeeded()) {
                    HttpClientResponse resp = ar.result();
                    int status = resp.statusCode();
                    rt.meters.attempt(status, nanos);
                    attemptSpan.setAttribute("http.response.status_code", (long) status);
                    attemptSpan.end();
                    breaker.ifPresent(b -> b.onResult(nanos, TimeUnit.NANOSECONDS, status));
                    long delay = retryContext == null ? -1 : retryContext.onResult(status);
                    if (status >= 500 && delay >= 0 && !done) {
                        metrics.retry(routeName, "status_5xx");
                        resp.handler(b -> { });
                        resp.end().onComplete(x -> retryAfter(delay));
                    } else {
                        if (retryContext != null && status < 500) {
                            retryContext.onComplete();
                        }
                        relay(resp);
                    }
                } else {
                    Throwable cause = ar.cause();
                    String kind = kind(cause);
                    metrics.attempt(routeName, kind, nanos);
                    attemptSpan.setStatus(StatusCode.ERROR, kind);
                    attemptSpan.end();
                    breaker.ifPresent(b -> b.onError(nanos, TimeUnit.NANOSECONDS, cause));
                    if (kind.equals("timeout")) {
                        metrics.timeout(routeName);
                    } else {
                        metrics.connectionError(routeName, kind);
                    }
                    long delay = retryContext == null ? -1 : retryContext.onError(cause);
                    if (delay >= 0 && !done) {
                        metrics.retry(routeName, kind);
                        retryAfter(delay);
                    } else if (kind.equals("timeout")) {
                        fail(504, "upstream did not answer within " + route.timeout().toMillis() + " ms (attempts: "
                                + attempts + ")", null);
                    } else {
                        fail(502, "upstream " + route.forwardHost() + ":" + route.forwardPort() + " failed: " + kind
                                + " (attempts: " + attempts + ")", null);
                    }
                }
            });
        }

        /** Streams the request body once, with backpressure, refusing it past maxBodyBytes. */
        private io.vertx.core.Future<HttpClientResponse> streamBody(HttpClientRequest creq) {
            long max = config.limits().maxBodyBytes();
            long[] count = {0};
            if (!req.headers().contains("Content-Length")) {
                creq.setChunked(true);
            }
            req.handler(chunk -> {
                count[0] += chunk.length();
                if (count[0] > max) {
                    req.handler(null);
                    req.response().putHeader("Connection", "close");
                    fail(413, "request body is larger than " + max + " bytes", null);
                    creq.reset();
                    return;
                }
                creq.write(chunk);
                if (creq.writeQueueFull()) {
                    req.pause();
                    creq.drainHandler(v -> req.resume());
                }
            });
            req.endHandler(v -> {
                if (count[0] <= max) {
                    creq.end();
                }
            });
            req.resume();
            return creq.response();
        }

        private void retryAfter(long delayMs) {
            current = null;
            if (delayMs <= 0) {
                attempt();
            } else {
                vertx.setTimer(delayMs, id -> attempt());
            }
        }

        /** Streams the upstream answer to the client, without hop-by-hop headers. */
        private void relay(HttpClientResponse resp) {
            if (done) {
                resp.request().reset();
                return;
            }
            HttpServerResponse out = req.response();
            out.setStatusCode(resp.statusCode());
            if (resp.statusMessage() != null) {
                out.setStatusMessage(resp.statusMessage());
            }
            Headers.copyEndToEnd(resp.headers(), out.headers(), false);
            out.putHeader("X-Request-Id", requestId);
            long length = contentLength(resp.getHeader("Content-Length"));
            if (length >= 0 && length <= config.limits().replayBufferBytes()) {
                // small answers go out in one write (head and body together): half the system calls of streaming
                resp.body().onComplete(ar -> {
                    current = null;
                    if (done || out.ended()) {
                        return;
                    }
                    if (ar.succeeded()) {
                        out.end(ar.result());
                    } else {
                        out.reset();
                    }
                });
                return;
            }
            if (length < 0) {
                out.setChunked(true);
            }
            pipe = resp.pipe();
            pipe.to(out).onComplete(ar -> current = null);
        }

        /** An answer the proxy makes itself: JSON {@code {"error": …}}, with Retry-After when given. */
        void fail(int status, String message, String retryAfter) {
            if (done || req.response().ended() || req.response().headWritten()) {
                if (!req.response().ended() && req.response().headWritten()) {
                    req.response().reset();
                }
                return;
            }
            HttpServerResponse out = req.response();
            if (retryAfter != null) {
                out.putHeader("Retry-After", retryAfter);
            }
            out.setStatusCode(status).putHeader("Content-Type", "application/json")
                    .end(new JsonObject().put("error", message).encode());
        }

        private void finish() {
            if (done) {
                return;
            }
            done = true;
            metrics.inFlight().decrementAndGet();
            HttpServerResponse out = req.response();
            int status = out.ended() ? out.getStatusCode() : 499;
            long nanos = System.nanoTime() - startNanos;
            meters.request(req.method().name(), status, nanos);
            span.setAttribute("http.response.status_code", (long) status);
            if (status >= 500) {
                span.setStatus(StatusCode.ERROR);
            }
            span.end();
            if (config.accessLog()) {
                ACCESS.atInfo().addKeyValue("method", req.method().name()).addKeyValue("path", truncate(req.path()))
                        .addKeyValue("route", routeName).addKeyValue("status", status)
                        .addKeyValue("attempts", attempts).addKeyValue("duration_ms", nanos / 1e6)
                        .addKeyValue("request_id", requestId)
                        .addKeyValue("trace_id", span.getSpanContext().getTraceId()).log("request");
            }
        }
    }

    private static long contentLength(String header) {
        if (header == null) {
            return -1;
        }
        try {
            return Long.parseLong(header.strip());
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    static String kind(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof TimeoutException || c instanceof io.netty.channel.ConnectTimeoutException) {
                return "timeout";
            }
            if (c instanceof ConnectException) {
                return "connect_error";
            }
            if (c instanceof io.vertx.core.http.StreamResetException sr && sr.getCause() instanceof TimeoutException) {
                return "timeout";
            }
        }
        String m = String.valueOf(t.getMessage()).toLowerCase(java.util.Locale.ROOT);
        if (m.contains("timeout") || m.contains("timed out")) {
            return "timeout";
        }
        if (m.contains("refused")) {
            return "connect_error";
        }
        return "reset";
    }

    private static String newId() {
        ThreadLocalRandom r = ThreadLocalRandom.current();
        return Long.toHexString(r.nextLong() | Long.MIN_VALUE) + Long.toHexString(r.nextLong() | Long.MIN_VALUE);
    }

    static void logStartupWarning(String message) {
        LOG.warn(message);
    }
}
