package dev.faultline.wordgame.http;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.Handler;

/** One listening server on one event loop; several instances share the same socket. */
final class ServerVerticle extends VerticleBase {
    private final HttpServerOptions options;
    private final Handler<HttpServerRequest> handler;
    private final int port;
    private final String host;
    private final TlsHandshakes tls;
    private volatile HttpServer server;

    ServerVerticle(HttpServerOptions options, Handler<HttpServerRequest> handler, int port, String host,
                   TlsHandshakes tls) {
        this.options = options;
        this.handler = handler;
        this.port = port;
        this.host = host;
        this.tls = tls;
    }

    @Override
    public Future<?> start() {
        HttpServer s = vertx.createHttpServer(options).requestHandler(handler);
        if (options.isSsl()) {
            s.connectionHandler(c -> {
                FramingCheck.install(c, options);
                tls.connected(c);
            }).exceptionHandler(e -> tls.failed(e, null));
        } else {
            s.connectionHandler(c -> FramingCheck.install(c, options));
        }
        return s.listen(port, host).onSuccess(x -> server = x);
    }

    /** Stops accepting and waits up to the timeout for in-flight requests to finish. */
    Future<Void> shutdown(long timeoutMs) {
        HttpServer s = server;
        return s == null ? Future.succeededFuture() : s.shutdown(timeoutMs, java.util.concurrent.TimeUnit.MILLISECONDS);
    }

    int actualPort() {
        return server.actualPort();
    }
}
