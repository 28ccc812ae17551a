package dev.faultline.prober;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * A stand-in for the word-game server and a Toxiproxy API on a free loopback port: {@code /ok}, {@code /slow}
 * (answers after 2 s), {@code /status} with {@code /admin/status} (recorded; 403 without the expected token when one
 * is set), {@code /proxies} (a settable JSON answer); anything else 404.
 */
public final class FakeServer implements AutoCloseable {
    /** One admin call as the server saw it. */
    public record AdminCall(String method, String authorization, String body) {
    }

    private final Vertx vertx = Vertx.vertx();
    private final HttpServer server;
    private final List<AdminCall> adminCalls = new CopyOnWriteArrayList<>();
    private volatile String requiredToken;
    private volatile String proxies = "{}";
    private volatile int statusCode = 200;

    public FakeServer() throws Exception {
        server = vertx.createHttpServer().requestHandler(this::handle).listen(0, "127.0.0.1")
                .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    private void handle(HttpServerRequest req) {
        switch (req.path()) {
            case "/ok" -> req.response().end("all ok");
            case "/slow" -> vertx.setTimer(2_000, id -> req.response().end("late"));
            case "/status" -> req.response().setStatusCode(statusCode).end("{}");
            case "/proxies" -> req.response().putHeader("Content-Type", "application/json").end(proxies);
            case "/admin/status" -> req.body().onSuccess(b -> {
                String auth = req.getHeader("Authorization");
                adminCalls.add(new AdminCall(req.method().name(), auth, b.toString()));
                if (requiredToken != null && !("Bearer " + requiredToken).equals(auth)) {
                    req.response().setStatusCode(403).end("{\"error\":\"forbidden\"}");
                    return;
                }
                statusCode = req.method().name().equals("DELETE") ? 200
                        : new io.vertx.core.json.JsonObject(b).getInteger("code");
                req.response().end("{}");
            });
            default -> req.response().setStatusCode(404).end("no");
        }
    }

    public String url(String path) {
        return "http://127.0.0.1:" + server.actualPort() + path;
    }

    public List<AdminCall> adminCalls() {
        return adminCalls;
    }

    public void requireToken(String token) {
        requiredToken = token;
    }

    public void proxies(String json) {
        proxies = json;
    }

    @Override
    public void close() throws Exception {
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
}
