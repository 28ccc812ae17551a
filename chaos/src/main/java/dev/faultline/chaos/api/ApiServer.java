package dev.faultline.chaos.api;

import dev.faultline.chaos.proxy.ApiException;
import dev.faultline.chaos.proxy.ProxyRegistry;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
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
    private HostCheck hostCheck;

    public ApiServer(Vertx vertx, ProxyRegistry registry, PrometheusMeterRegistry metrics) {
        this.vertx = vertx;
        this.handlers = new ApiHandlers(registry);
        this.metrics = metrics;
    }

    /**
     * Listens on {@code host:port}. HTTP/1.x only (no h2c, as the real server), with a decoder that refuses
     * ambiguous framing; on a loopback host, requests must name a loopback host too ({@link HostCheck}).
     */
    public Future<HttpServer> listen(String host, int port) {
        hostCheck = HostCheck.forBindHost(host);
        HttpServerOptions options = new HttpServerOptions().setMaxHeaderSize(16 << 10).setHttp2ClearTextEnabled(false);
        return vertx.createHttpServer(options)
                .connectionHandler(c -> FramingDecoder.install(c, options))
                .invalidRequestHandler(this::invalid)
                .requestHandler(this::handle).listen(port, host).onSuccess(s -> server = s);
    }

    public int port() {
        return server.actualPort();
    }

    public Future<Void> close() {
        return server == null ? Future.succeededFuture() : server.close();
    }

    /** A request the decoder refused: ambiguous framing gets the API's 400; anything else Vert.x's own answer. */
    private void invalid(HttpServerRequest req) {
        if (req.decoderResult().cause() instanceof FramingDecoder.Conflict) {
            req.response().putHeader("X-Toxiproxy-Request-Id", requestId());
            refuse(req, new ApiException(400, FramingDecoder.Conflict.MESSAGE));
        } else {
            HttpServerRequest.DEFAULT_INVALID_REQUEST_HANDLER.handle(req);
        }
    }

    private void handle(HttpServerRequest req) {
        HttpServerResponse resp = req.response();
        resp.putHeader("X-Toxiproxy-Request-Id", requestId());
        if (req.headers().contains(HttpHeaders.TRANSFER_ENCODING) && req.headers().contains(HttpHeaders.CONTENT_LENGTH)) {
            refuse(req, new ApiException(400, FramingDecoder.Conflict.MESSAGE));
            return;
        }
        String host = req.headers().get(HttpHeaders.HOST);
        if (!hostCheck.allows(host)) {
            error(resp, new ApiException(403, "host not allowed: " + host + " (the API listens on loopback; name "
                    + "localhost, 127.0.0.1 or [::1])"));
            return;
        }
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

    /** Answers with the error and closes the connection: what follows on it cannot be framed safely. */
    private static void refuse(HttpServerRequest req, ApiException e) {
        req.response().putHeader(HttpHeaders.CONNECTION, "close").endHandler(v -> req.connection().close());
        error(req.response(), e);
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
