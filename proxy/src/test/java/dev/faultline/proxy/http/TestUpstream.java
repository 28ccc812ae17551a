package dev.faultline.proxy.http;

import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/** A real HTTP upstream on a free loopback port whose behaviour a test sets, counting what it sees. */
final class TestUpstream implements AutoCloseable {
    final Vertx vertx = Vertx.vertx();
    final AtomicInteger requests = new AtomicInteger();
    final AtomicInteger connections = new AtomicInteger();
    final AtomicInteger closedConnections = new AtomicInteger();
    final CopyOnWriteArrayList<MultiMap> headers = new CopyOnWriteArrayList<>();
    /** The target of every request seen (its head arrived). */
    final CopyOnWriteArrayList<String> uris = new CopyOnWriteArrayList<>();
    /** "METHOD target body" of every request that arrived whole (head and complete body). */
    final CopyOnWriteArrayList<String> completed = new CopyOnWriteArrayList<>();
    private volatile Consumer<HttpServerRequest> behaviour = req -> req.response().end("ok");
    private final HttpServer server;

    TestUpstream() throws Exception {
        server = vertx.createHttpServer().connectionHandler(c -> {
            connections.incrementAndGet();
            c.closeHandler(v -> closedConnections.incrementAndGet());
        }).requestHandler(req -> {
            requests.incrementAndGet();
            headers.add(MultiMap.caseInsensitiveMultiMap().addAll(req.headers()));
            uris.add(req.uri());
            req.body().onSuccess(b -> completed.add(req.method() + " " + req.uri() + " " + b));
            behaviour.accept(req);
        }).listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    int port() {
        return server.actualPort();
    }

    void answer(Consumer<HttpServerRequest> b) {
        behaviour = b;
    }

    void status(int code) {
        answer(req -> req.body().onComplete(x -> req.response().setStatusCode(code).end("status " + code)));
    }

    /** A loopback port nothing listens on (it was free a moment ago): connections to it are refused. */
    static int deadPort() throws java.io.IOException {
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    MultiMap lastHeaders() {
        return headers.get(headers.size() - 1);
    }

    @Override
    public void close() throws Exception {
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
}
