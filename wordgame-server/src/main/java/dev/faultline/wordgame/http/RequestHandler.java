package dev.faultline.wordgame.http;

import dev.faultline.wordgame.config.ServerConfig;
import dev.faultline.wordgame.game.GameStore;
import dev.faultline.wordgame.telemetry.Metrics;
import dev.faultline.wordgame.telemetry.Tracing;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.context.propagation.TextMapPropagator;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every request passes here: route match, method check, admin guard, bounded body read, idempotency key, fault
 * injection, dispatch, and on the way out metrics, span and access log. Errors become JSON answers in one place
 * ({@link #run}).
 */
final class RequestHandler implements Handler<HttpServerRequest> {
    private static final Logger LOG = LoggerFactory.getLogger(RequestHandler.class);
    private static final Logger ACCESS = LoggerFactory.getLogger("access");
    private static final Set<String> KNOWN_METHODS =
            Set.of("GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "PATCH", "TRACE", "CONNECT");
    /** Status recorded for a request whose client went away before the answer was complete. */
    static final int CLIENT_CLOSED = 499;
    private static final TextMapGetter<HttpServerRequest> HEADERS = new TextMapGetter<>() {
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
    private final ServerConfig config;
    private final GameStore store;
    private final Metrics metrics;
    private final Tracer tracer;
    private final TextMapPropagator propagator;
    private final AtomicBoolean ready;
    private final AdminGuard guard;
    private final FaultInjector faults = new FaultInjector();
    private final StatusResponse status = new StatusResponse();
    private final GameHandlers games;
    private final AdminHandlers admin;
    private final Idempotency idempotency;
    /** What the main listeners serve: everything, or all but /admin/* when it has its own listener. */
    private final Route.Scope mainScope;

    RequestHandler(Vertx vertx, ServerConfig config, GameStore store, IdempotencyStore keys, Metrics metrics,
                   Tracing tracing, AtomicBoolean ready) {
        this.vertx = vertx;
        this.config = config;
        this.store = store;
        this.metrics = metrics;
        this.tracer = tracing.tracer();
        this.propagator = tracing.propagator();
        this.ready = ready;
        this.guard = new AdminGuard(config.adminToken());
        this.games = new GameHandlers(store, metrics);
        this.admin = new AdminHandlers(status, faults);
        this.idempotency = new Idempotency(keys, metrics);
        this.mainScope = config.adminListener().port().isPresent() ? Route.Scope.PUBLIC : Route.Scope.ALL;
    }

    /** The main listeners' handler. */
    @Override
    public void handle(HttpServerRequest req) {
        handle(req, mainScope);
    }

    /** The handler of the admin API's own listener ({@code --admin-port}): /admin/* only, same state. */
    Handler<HttpServerRequest> adminListener() {
        return req -> handle(req, Route.Scope.ADMIN);
    }

    private void handle(HttpServerRequest req, Route.Scope scope) {
        long start = System.nanoTime();
        Route matched = Route.match(req.path());
        Route route = matched != null && scope.serves(matched) ? matched : null;
        String routeName = route == null ? Route.UNMATCHED : route.path;
        String method = KNOWN_METHODS.contains(req.method().name()) ? req.method().name() : "other";
        Context parent = propagator.extract(Context.root(), req, HEADERS);
        Span span = tracer.spanBuilder(method + " " + routeName).setParent(parent).setSpanKind(SpanKind.SERVER)
                .setAttribute("http.request.method", method)
                .setAttribute("http.route", routeName)
                .setAttribute("url.path", req.path())
                .startSpan();
        Exchange ex = new Exchange(req, route, span, requestId(req.getHeader("X-Request-Id")), start);
        HttpServerResponse response = req.response();
        response.putHeader("X-Request-Id", ex.requestId);
        response.putHeader("traceresponse", "00-" + span.getSpanContext().getTraceId() + "-"
                + span.getSpanContext().getSpanId() + "-" + span.getSpanContext().getTraceFlags().asHex());
        metrics.requestStarted();
        response.endHandler(v -> finish(ex, method, routeName));
        response.closeHandler(v -> finish(ex, method, routeName));
        run(ex, () -> accept(ex));
    }

    /** Runs a step with the exchange's log context; maps any failure to a JSON error answer. */
    private void run(Exchange ex, Runnable step) {
        ex.enterLogContext();
        try {
            step.run();
        } catch (BadRequest e) {
            ex.error(e.status, e.getMessage());
        } catch (RuntimeException e) {
            LOG.error("request failed", e);
            ex.error(500, "internal server error");
        } finally {
            Exchange.leaveLogContext();
        }
    }

    private void accept(Exchange ex) {
        HttpServerRequest req = ex.request;
        if (FramingCheck.conflicting(req.headers())) {
            // nothing more is read from this connection (FramingCheck): answer, then close it
            ex.response().putHeader("Connection", "close");
            ex.error(400, "Transfer-Encoding together with Content-Length is refused: send one of them");
            req.connection().close();
            return;
        }
        if (ex.route == null) {
            Route elsewhere = Route.match(req.path());
            throw new BadRequest(404, "no such path: " + truncate(req.path()) + (elsewhere == null ? ""
                    : elsewhere.admin() ? " (the admin API has its own port)" : " (this port serves /admin/* only)"));
        }
        HttpMethod m = req.method();
        if (m == HttpMethod.OPTIONS) {
            ex.response().putHeader("Allow", ex.route.allow).setStatusCode(204).end();
            return;
        }
        if (!ex.route.methods.contains(m)) {
            ex.response().putHeader("Allow", ex.route.allow);
            throw new BadRequest(405, "method " + m.name() + " is not allowed on " + ex.route.path
                    + " (allowed: " + ex.route.allow + ")");
        }
        if (ex.route.admin() && !guard.allows(req.remoteAddress(), req.headers())) {
            throw new BadRequest(403, AdminGuard.forwarded(req.headers())
                    ? "the admin API needs the admin token for a request that came through a proxy"
                            + " (Forwarded, X-Forwarded-*, X-Real-IP or Via)"
                    : "the admin API answers loopback clients, or others with the admin token");
        }
        readBody(ex);
    }

    /** Collects the body up to the limit; a larger one answers 413 and closes the connection. */
    private void readBody(Exchange ex) {
        HttpServerRequest req = ex.request;
        int max = config.maxBodyBytes();
        String length = req.getHeader("Content-Length");
        if (length != null) {
            long declared;
            try {
                declared = Long.parseLong(length.strip());
            } catch (NumberFormatException e) {
                declared = Long.MAX_VALUE;
            }
            if (declared > max) {
                tooLarge(ex, max);
                return;
            }
        }
        Buffer body = Buffer.buffer();
        boolean[] rejected = {false};
        req.handler(chunk -> {
            if (rejected[0]) {
                return;
            }
            if (body.length() + chunk.length() > max) {
                rejected[0] = true;
                run(ex, () -> tooLarge(ex, max));
                return;
            }
            body.appendBuffer(chunk);
        });
        req.endHandler(v -> {
            if (!rejected[0]) {
                ex.body = body;
                run(ex, () -> dispatch(ex));
            }
        });
    }

    private void tooLarge(Exchange ex, int max) {
        ex.response().putHeader("Connection", "close");
        ex.error(413, "request body is larger than " + max + " bytes");
    }

    private void dispatch(Exchange ex) {
        switch (ex.route) {
            case NEW, GUESS -> {
                if (idempotency.admit(ex)) {
                    withFaults(ex);
                }
            }
            case HEALTH -> ex.send(200, "text/plain; charset=utf-8", "OK I'm healthy");
            case READY -> readiness(ex);
            case METRICS -> {
                Metrics.Scrape scrape = metrics.scrape(ex.request.getHeader("Accept"));
                ex.send(200, scrape.contentType(), scrape.body());
            }
            case STATUS -> statusResponse(ex);
            case ADMIN_STATUS -> admin.status(ex);
            case ADMIN_FAULTS -> admin.faults(ex);
            default -> throw new IllegalStateException("unrouted " + ex.route);
        }
    }

    private void withFaults(Exchange ex) {
        FaultInjector.Decision d = faults.decide(ex.route.path);
        if (d.delayMs() > 0) {
            metrics.faultInjected("latency", ex.route.path);
            vertx.setTimer(d.delayMs(), id -> run(ex, () -> play(ex, d)));
        } else {
            play(ex, d);
        }
    }

    private void play(Exchange ex, FaultInjector.Decision d) {
        if (d.errorCode() != 0) {
            metrics.faultInjected("error", ex.route.path);
            if (ex.idempotency != null) { // nothing was applied: a repeat of the key is applied as new
                ex.idempotency.abandon();
                ex.idempotency = null;
            }
            ex.error(d.errorCode(), "injected fault");
        } else if (ex.route == Route.NEW) {
            games.newGame(ex);
        } else {
            games.guess(ex);
        }
    }

    private void readiness(Exchange ex) {
        if (!ready.get()) {
            ex.json(503, "{\"status\":\"not ready\",\"reason\":\"shutting down\"}");
        } else if (store.full()) {
            ex.json(503, "{\"status\":\"not ready\",\"reason\":\"game store is full\"}");
        } else {
            ex.json(200, "{\"status\":\"ready\"}");
        }
    }

    private void statusResponse(Exchange ex) {
        StatusResponse.Setting s = status.current();
        if (s.delayMs() > 0) {
            vertx.setTimer(s.delayMs(), id -> run(ex, () -> ex.send(s.code(), s.contentType(), s.body())));
        } else {
            ex.send(s.code(), s.contentType(), s.body());
        }
    }

    private void finish(Exchange ex, String method, String routeName) {
        if (!ex.finish()) {
            return;
        }
        metrics.requestEnded();
        HttpServerResponse response = ex.response();
        int code = response.ended() ? response.getStatusCode() : CLIENT_CLOSED;
        long nanos = System.nanoTime() - ex.startNanos;
        metrics.request(method, routeName, code, nanos);
        ex.span.setAttribute("http.response.status_code", code);
        if (code >= 500) {
            ex.span.setStatus(StatusCode.ERROR);
        }
        ex.span.end();
        if (config.accessLog()) {
            ex.enterLogContext();
            try {
                ACCESS.atInfo().addKeyValue("method", method).addKeyValue("path", truncate(ex.request.path()))
                        .addKeyValue("route", routeName).addKeyValue("status", code)
                        .addKeyValue("duration_ms", nanos / 1_000_000.0)
                        .addKeyValue("remote", String.valueOf(ex.request.remoteAddress()))
                        .log("request");
            } finally {
                Exchange.leaveLogContext();
            }
        }
    }

    /** Keeps a well-formed incoming X-Request-Id (1-128 visible ASCII characters), else makes one. */
    static String requestId(String given) {
        if (given != null && !given.isEmpty() && given.length() <= 128 && given.chars().allMatch(c -> c > 0x20 && c < 0x7f)) {
            return given;
        }
        ThreadLocalRandom r = ThreadLocalRandom.current();
        return Long.toHexString(r.nextLong() | Long.MIN_VALUE) + Long.toHexString(r.nextLong() | Long.MIN_VALUE);
    }

    private static String truncate(String s) {
        return s.length() <= 200 ? s : s.substring(0, 200) + "…";
    }
}
