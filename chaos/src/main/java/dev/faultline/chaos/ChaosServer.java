package dev.faultline.chaos;

import dev.faultline.chaos.api.ApiServer;
import dev.faultline.chaos.proxy.ProxyMetrics;
import dev.faultline.chaos.proxy.ProxyRegistry;
import dev.faultline.chaos.proxy.Transport;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.netty.channel.EventLoopGroup;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.file.FileSystemOptions;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The embedded Toxiproxy-compatible server: the HTTP API and every proxy it manages, in this JVM.
 * {@code try (ChaosServer s = ChaosServer.start("127.0.0.1", 0)) { … s.url() … }}: ready when {@code start} returns.
 */
public final class ChaosServer implements AutoCloseable {
    private final Vertx vertx;
    private final EventLoopGroup group;
    private final PrometheusMeterRegistry metrics = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final ProxyRegistry registry;
    private final ApiServer api;
    private final String host;

    private ChaosServer(String host) {
        this.host = host;
        new JvmMemoryMetrics().bindTo(metrics);
        new JvmThreadMetrics().bindTo(metrics);
        Transport transport = Transport.best();
        this.group = transport.group(Runtime.getRuntime().availableProcessors());
        this.registry = new ProxyRegistry(group, transport, new ProxyMetrics(metrics));
        this.vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1).setWorkerPoolSize(2)
                .setFileSystemOptions(new FileSystemOptions().setFileCachingEnabled(false)
                        .setClassPathResolvingEnabled(false)));
        this.api = new ApiServer(vertx, registry, metrics);
    }

    /** Starts the API on {@code host:port} (0: a free port); throws {@link IllegalStateException} when it cannot. */
    public static ChaosServer start(String host, int port) {
        ChaosServer s = new ChaosServer(host);
        try {
            s.api.listen(host, port).toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            s.close();
            throw new IllegalStateException("cannot listen on " + host + ":" + port + ": " + e.getCause().getMessage(),
                    e.getCause());
        } catch (TimeoutException | InterruptedException e) {
            s.close();
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            throw new IllegalStateException("cannot listen on " + host + ":" + port + ": " + e, e);
        }
        return s;
    }

    public int port() {
        return api.port();
    }

    /** The API's base URL, e.g. {@code http://127.0.0.1:8474}. */
    public String url() {
        String h = host.contains(":") ? "[" + host + "]" : host;
        if (h.equals("0.0.0.0") || h.equals("[::]")) {
            h = "127.0.0.1";
        }
        return "http://" + h + ":" + port();
    }

    public ProxyRegistry registry() {
        return registry;
    }

    @Override
    public void close() {
        registry.close();
        try {
            api.close().toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
            vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        } catch (ExecutionException | TimeoutException e) {
            // closing anyway
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
        metrics.close();
    }
}
