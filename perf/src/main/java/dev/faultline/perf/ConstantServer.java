package dev.faultline.perf;

import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerOptions;

/**
 * The peer of the word-game throughput benchmark: a bare Vert.x HTTP server, one listener per event loop like the
 * word-game server, answering every request with a constant game answer after reading its body.
 * {@code java -cp perf/target/perf.jar dev.faultline.perf.ConstantServer PORT}; stops on SIGTERM.
 */
public final class ConstantServer {
    private static final Buffer BODY = Buffer.buffer("{\"id\":\"3vV2aQ9x0bYbGm1kQw7T0A\",\"current\":\"_____\",\"guesses_remaining\":6}");

    private ConstantServer() {
    }

    public static void main(String[] args) throws Exception {
        int port = args.length > 0 ? Integer.parseInt(args[0]) : 18400;
        int loops = Runtime.getRuntime().availableProcessors();
        Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(loops));
        vertx.deployVerticle(() -> new VerticleBase() {
            @Override
            public Future<?> start() {
                return vertx.createHttpServer(new HttpServerOptions().setTcpNoDelay(true))
                        .requestHandler(req -> req.body().onComplete(b -> req.response()
                                .putHeader("Content-Type", "application/json").end(BODY)))
                        .listen(port, "127.0.0.1");
            }
        }, new DeploymentOptions().setInstances(loops)).toCompletionStage().toCompletableFuture().get();
        System.out.println("constant server listening on 127.0.0.1:" + port);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> vertx.close()));
    }
}
