package dev.faultline.proxy.http;

import dev.faultline.proxy.config.ProxyConfig;
import dev.faultline.proxy.telemetry.ProxyMetrics;
import dev.faultline.proxy.telemetry.Tracing;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.github.resilience4j.ratelimiter.RateLimiterRegistry;
import io.github.resilience4j.retry.RetryRegistry;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.file.FileSystemOptions;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.PoolOptions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The proxy process: one listener per event loop for traffic, one for metrics, a pooled upstream client per event
 * loop. {@link #start()} returns when both listen; {@link #close()} drains in-flight requests first.
 */
public final class ProxyServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ProxyServer.class);

    private final ProxyConfig config;
    private final Vertx vertx;
    private final ProxyMetrics metrics = new ProxyMetrics();
    private final Tracing tracing;
    private final List<RouteRuntime> routes = new ArrayList<>();
    private final AtomicBoolean accepting = new AtomicBoolean(true);
    private final List<HttpServer> servers = new CopyOnWriteArrayList<>();
    private final int instances;
    private HttpServer metricsServer;
    private int port;

    public ProxyServer(ProxyConfig config) {
        this.config = config;
        this.instances = Runtime.getRuntime().availableProcessors();
        this.tracing = new Tracing(config.tracing().serviceName(), config.tracing().otlpEndpoint(),
                config.tracing().samplingRatio());
        CircuitBreakerRegistry breakers = CircuitBreakerRegistry.ofDefaults();
        RateLimiterRegistry limiters = RateLimiterRegistry.ofDefaults();
        RetryRegistry retries = RetryRegistry.ofDefaults();
        for (ProxyConfig.Route r : config.paths()) {
            routes.add(new RouteRuntime(r, breakers, limiters, retries, metrics));
        }
        metrics.bind(breakers, limiters, retries);
        this.vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(instances)
                .setPreferNativeTransport(!"nio".equals(System.getProperty("proxy.transport")))
                .setFileSystemOptions(new FileSystemOptions().setFileCachingEnabled(false)
                        .setClassPathResolvingEnabled(false)));
    }

    /** Binds both listeners; returns the traffic port. */
    public int start() {
        HttpServerOptions options = new HttpServerOptions().setTcpNoDelay(true)
                .setIdleTimeout((int) config.limits().idleTimeout().toSeconds()).setIdleTimeoutUnit(TimeUnit.SECONDS)
                .setMaxHeaderSize(config.limits().maxHeaderBytes()).setMaxInitialLineLength(8192)
                .setCompressionSupported(false);
        await(vertx.deployVerticle(() -> new VerticleBase() {
            @Override
            public Future<?> start() {
                HttpClient client = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true)
                                .setTcpNoDelay(true).setIdleTimeout((int) config.limits().idleTimeout().toSeconds())
                                .setIdleTimeoutUnit(TimeUnit.SECONDS).setMaxInitialLineLength(8192)
                                .setMaxHeaderSize(config.limits().maxHeaderBytes()),
                        new PoolOptions().setHttp1MaxSize(config.limits().maxConnectionsPerRoute())
                                .setMaxWaitQueueSize(config.limits().maxInFlight()));
                Forwarder forwarder = new Forwarder(vertx, config, routes, client, metrics, tracing, accepting);
                return vertx.createHttpServer(options).requestHandler(forwarder).listen(config.port(), config.host())
                        .onSuccess(servers::add);
            }
        }, new DeploymentOptions().setInstances(instances)), "listen on " + config.host() + ":" + config.port());
        port = servers.get(0).actualPort();
        metricsServer = await(vertx.createHttpServer(new HttpServerOptions().setIdleTimeout(60))
                .requestHandler(req -> {
                    if (!req.path().equals(config.metrics().path())) {
                        req.response().setStatusCode(404).putHeader("Content-Type", "application/json")
                                .end("{\"error\":\"metrics are at " + config.metrics().path() + "\"}");
                        return;
                    }
                    String[] scrape = metrics.scrape(req.getHeader("Accept"));
                    req.response().putHeader("Content-Type", scrape[0]).end(scrape[1]);
                })
                .listen(config.metrics().port(), config.metrics().host()),
                "listen for metrics on " + config.metrics().host() + ":" + config.metrics().port());
        config.tracing().samplingServer().ifPresent(this::checkSamplingServer);
        LOG.atInfo().addKeyValue("port", port).addKeyValue("metrics_port", metricsServer.actualPort())
                .addKeyValue("routes", routes.size()).log("proxy listening");
        return port;
    }

    /** A Jaeger sampling server that cannot be resolved is a warning; sampling then uses samplingRatio. */
    private void checkSamplingServer(String server) {
        vertx.executeBlocking(() -> {
            String host = server.contains(":") ? server.substring(0, server.lastIndexOf(':')) : server;
            try {
                java.net.InetAddress.getByName(host);
                LOG.warn("tracing.samplingServer {}: remote sampling is not implemented; sampling with "
                        + "tracing.samplingRatio {}", server, config.tracing().samplingRatio());
            } catch (java.net.UnknownHostException e) {
                LOG.warn("tracing.samplingServer {} is unreachable (unknown host {}); sampling with "
                        + "tracing.samplingRatio {}", server, host, config.tracing().samplingRatio());
            }
            return null;
        }, false);
    }

    public int port() {
        return port;
    }

    public int metricsPort() {
        return metricsServer.actualPort();
    }

    private <T> T await(Future<T> f, String what) {
        try {
            return f.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            closeQuietly();
            throw new StartException("cannot " + what + ": " + e.getCause().getMessage());
        } catch (TimeoutException e) {
            closeQuietly();
            throw new StartException("cannot " + what + ": no answer within 30 s");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            closeQuietly();
            throw new StartException("interrupted");
        }
    }

    /** Stops accepting, lets in-flight requests finish (up to the shutdown timeout), then releases everything. */
    @Override
    public void close() {
        accepting.set(false);
        long timeout = config.limits().shutdownTimeout().toMillis();
        List<Future<Void>> shutdowns = new ArrayList<>();
        for (HttpServer s : servers) {
            shutdowns.add(s.shutdown(timeout, TimeUnit.MILLISECONDS));
        }
        try {
            Future.join(shutdowns).toCompletionStage().toCompletableFuture().get(timeout + 5_000, TimeUnit.MILLISECONDS);
        } catch (ExecutionException | TimeoutException e) {
            LOG.warn("graceful shutdown did not finish cleanly: {}", e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        closeQuietly();
    }

    private void closeQuietly() {
        try {
            vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        } catch (ExecutionException | TimeoutException e) {
            LOG.warn("Vert.x did not close cleanly: {}", e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        tracing.close();
        metrics.close();
    }

    /** The proxy could not start; the message is meant for the user as it is. */
    public static final class StartException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        StartException(String message) {
            super(message);
        }
    }
}
