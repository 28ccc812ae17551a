package dev.faultline.chaos.api;

import dev.faultline.chaos.proxy.ApiException;
import dev.faultline.chaos.proxy.ProxyRegistry;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Toxiproxy HTTP API: a route table over {@link ApiHandlers}. Calls run one at a time off the event loop
 * (binding a listener blocks briefly); errors are written in one place, worded and framed as the real server's.
 */
public final class ApiServer {
    private static final Logger LOG = LoggerFactory.getLogger(ApiServer.class);
    static final String VERSION = "v2.12.0";
    private static final int MAX_BODY = 1 << 20;
    private static final String ALPHABET = "0123456789abcdefghijklmnopqrstuv";
    private static final SecureRandom RANDOM = new SecureRandom();

    private final Vertx vertx;
    private final ApiHandlers handlers;
    private final PrometheusMeterRegistry metrics;
    private HttpServer server;

    public ApiServer(Vertx vertx, ProxyRegistry registry, PrometheusMeterRegistry metrics) {
        this.vertx = vertx;
        this.handlers = new ApiHandlers(registry);
        this.metrics = metrics;
    }

    public Future<HttpServer> listen(String host, int port) {
        return vertx.createHttpServer(new HttpServerOptions().setMaxHeaderSize(16 << 10))
                .requestHandler(this::handle).listen(port, host).onSuccess(s -> server = s);
    }

    public int port() {
        return server.actualPort();
    }

    public Future<Void> close() {
        return server == null ? Future.succeededFuture() : server.close();
    }

    private void handle(HttpServerRequest req) {
        HttpServerResponse resp = req.response();
        resp.putHeader("X-Toxiproxy-Request-Id", requestId());
        String ua = req.getHeader("User-Agent");
        if (ua != null && ua.startsWith("Mozilla/")) {
            text(resp, 403, "User agent not allowed\n");
            return;
        }
        List<String> path = segments(req.path());
        Call call = route(path, req.method());
        if (call == null) {
            text(resp, 404, "404 page not found\n");
            return;
        }
        if (call == METHOD_NOT_ALLOWED) {
            resp.setStatusCode(405).end();
            return;
        }
        Buffer body = Buffer.buffer();
        boolean[] tooBig = {false};
        req.handler(chunk -> {
            if (body.length() + chunk.length() > MAX_BODY) {
                tooBig[0] = true;
            } else if (!tooBig[0]) {
                body.appendBuffer(chunk);
            }
        });
        req.endHandler(v -> {
            if (tooBig[0]) {
                error(resp, ApiException.badRequest("http: request body too large"));
                return;
            }
            vertx.executeBlocking(() -> call.run(path, body), true).onComplete(ar -> {
                if (ar.succeeded()) {
                    ApiHandlers.Answer a = ar.result();
                    if (a.body() == null) {
                        resp.setStatusCode(a.status()).end();
                    } else {
                        resp.setStatusCode(a.status()).putHeader("Content-Type", contentType(path)).end(a.body());
                    }
                } else if (ar.cause() instanceof ApiException e) {
                    error(resp, e);
                } else {
                    LOG.error("API call failed", ar.cause());
                    error(resp, ApiException.server(String.valueOf(ar.cause().getMessage())));
                }
            });
        });
    }

    private static String contentType(List<String> path) {
        return path.equals(List.of("version")) ? "application/json;charset=utf-8"
                : path.equals(List.of("metrics")) ? "text/plain; version=0.0.4; charset=utf-8" : "application/json";
    }

    /** One API call: the handler for a path and method. */
    @FunctionalInterface
    private interface Call {
        ApiHandlers.Answer run(List<String> path, Buffer body) throws ApiException;
    }

    private static final Call METHOD_NOT_ALLOWED = (p, b) -> null;
    private static final Set<HttpMethod> UPDATE = Set.of(HttpMethod.POST, HttpMethod.PATCH);

    /** The route table: null for an unknown path, {@link #METHOD_NOT_ALLOWED} for a known path and wrong method. */
    private Call route(List<String> p, HttpMethod m) {
        if (p.isEmpty()) {
            return null;
        }
        switch (p.get(0)) {
            case "reset":
                return p.size() != 1 ? null : m == HttpMethod.POST ? (x, b) -> handlers.reset() : METHOD_NOT_ALLOWED;
            case "version":
                return p.size() != 1 ? null : m == HttpMethod.GET
                        ? (x, b) -> new ApiHandlers.Answer(200, "{\"version\": \"" + VERSION + "\"}\n")
                        : METHOD_NOT_ALLOWED;
            case "metrics":
                return p.size() != 1 ? null : m == HttpMethod.GET
                        ? (x, b) -> new ApiHandlers.Answer(200, metrics.scrape()) : METHOD_NOT_ALLOWED;
            case "populate":
                return p.size() != 1 ? null : m == HttpMethod.POST ? (x, b) -> handlers.populate(b) : METHOD_NOT_ALLOWED;
            case "proxies":
                return proxies(p, m);
            default:
                return null;
        }
    }

    private Call proxies(List<String> p, HttpMethod m) {
        switch (p.size()) {
            case 1:
                return m == HttpMethod.GET ? (x, b) -> handlers.listProxies()
                        : m == HttpMethod.POST ? (x, b) -> handlers.createProxy(b) : METHOD_NOT_ALLOWED;
            case 2:
                return m == HttpMethod.GET ? (x, b) -> handlers.showProxy(x.get(1))
                        : UPDATE.contains(m) ? (x, b) -> handlers.updateProxy(x.get(1), b)
                        : m == HttpMethod.DELETE ? (x, b) -> handlers.deleteProxy(x.get(1)) : METHOD_NOT_ALLOWED;
            case 3:
                if (!p.get(2).equals("toxics")) {
                    return null;
                }
                return m == HttpMethod.GET ? (x, b) -> handlers.listToxics(x.get(1))
                        : m == HttpMethod.POST ? (x, b) -> handlers.createToxic(x.get(1), b) : METHOD_NOT_ALLOWED;
            case 4:
                if (!p.get(2).equals("toxics")) {
                    return null;
                }
                return m == HttpMethod.GET ? (x, b) -> handlers.showToxic(x.get(1), x.get(3))
                        : UPDATE.contains(m) ? (x, b) -> handlers.updateToxic(x.get(1), x.get(3), b)
                        : m == HttpMethod.DELETE ? (x, b) -> handlers.deleteToxic(x.get(1), x.get(3))
                        : METHOD_NOT_ALLOWED;
            default:
                return null;
        }
    }

    /** Path segments, percent-decoded; an empty segment (trailing or double slash) makes the path unknown. */
    private static List<String> segments(String path) {
        if (path == null || !path.startsWith("/") || path.length() == 1) {
            return List.of();
        }
        String[] parts = path.substring(1).split("/", -1);
        java.util.ArrayList<String> out = new java.util.ArrayList<>();
        for (String s : parts) {
            if (s.isEmpty()) {
                return List.of("", "");
            }
            out.add(URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8));
        }
        return out;
    }

    /** Errors as the real server writes them: JSON text, a newline, a text/plain content type. */
    private static void error(HttpServerResponse resp, ApiException e) {
        String body = new JsonObject().put("error", e.getMessage()).put("status", e.status()).encode() + "\n";
        resp.putHeader("X-Content-Type-Options", "nosniff");
        text(resp, e.status(), body);
    }

    private static void text(HttpServerResponse resp, int status, String body) {
        resp.setStatusCode(status).putHeader("Content-Type", "text/plain; charset=utf-8").end(body);
    }

    /** A 20-character id like the real server's xid. */
    private static String requestId() {
        StringBuilder sb = new StringBuilder(20);
        for (int i = 0; i < 20; i++) {
            sb.append(ALPHABET.charAt(RANDOM.nextInt(32)));
        }
        return sb.toString();
    }
}
