package dev.faultline.proxy.http;

import dev.faultline.proxy.config.ProxyConfig;
import dev.faultline.proxy.telemetry.ProxyMetrics;
import dev.faultline.proxy.telemetry.Tracing;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.github.resilience4j.ratelimiter.RateLimiterRegistry;
import io.github.resilience4j.retry.RetryRegistry;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.util.concurrent.GlobalEventExecutor;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.file.FileSystemOptions;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.internal.VertxInternal;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The proxy process: the traffic listener is a Netty pipeline on Vert.x's event loops (the request path,
 * {@link Forwarder}, reads and writes HTTP/1.1 bytes itself; upstream connections are pooled per event loop), metrics are a
 * Vert.x HTTP server. {@link #start()} returns when both listen; {@link #close()} drains in-flight requests first.
 */
public final class ProxyServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ProxyServer.class);

    private final ProxyConfig config;
    private final Vertx vertx;
    private final ProxyMetrics metrics = new ProxyMetrics();
    private final Tracing tracing;
    private final List<RouteRuntime> routes = new ArrayList<>();
    private final AtomicBoolean accepting = new AtomicBoolean(true);
    private final ChannelGroup clients = new DefaultChannelGroup("clients", GlobalEventExecutor.INSTANCE);
    private final int instances;
    private Forwarder forwarder;
    private Channel listener;
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
        VertxInternal vx = (VertxInternal) vertx;
        Forwarder forwarder = new Forwarder(config, routes, metrics, tracing, accepting,
                vx.transport().channelFactory(false));
        this.forwarder = forwarder;
        long idleMs = config.limits().idleTimeout().toMillis();
        int maxHeaderBytes = config.limits().maxHeaderBytes();
        ServerBootstrap bootstrap = new ServerBootstrap()
                .group(vx.acceptorEventLoopGroup(), vx.nettyEventLoopGroup())
                .channelFactory(vx.transport().serverChannelFactory(false))
                .option(ChannelOption.SO_BACKLOG, 1024)
                .option(ChannelOption.SO_REUSEADDR, true)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        clients.add(ch);
                        ch.pipeline().addLast("proxy", new ClientConnection(forwarder, ch, maxHeaderBytes, idleMs));
                    }
                });
        ChannelFuture bound = bootstrap.bind(config.host(), config.port()).awaitUninterruptibly();
        if (!bound.isSuccess()) {
            closeQuietly();
            Throwable cause = bound.cause();
            throw new StartException("cannot listen on " + config.host() + ":" + config.port() + ": "
                    + (cause.getMessage() == null ? cause.toString() : cause.getMessage()));
        }
        listener = bound.channel();
        port = ((InetSocketAddress) listener.localAddress()).getPort();
        metricsServer = await(vertx.createHttpServer(new HttpServerOptions().setIdleTimeout(60).setHttp2ClearTextEnabled(false))
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

    /**
     * Stops accepting, lets in-flight requests finish (up to the shutdown timeout; answers say
     * {@code Connection: close}), then closes every connection and releases everything.
     */
    @Override
    public void close() {
        accepting.set(false);
        long timeout = config.limits().shutdownTimeout().toMillis();
        if (listener != null) {
            listener.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
        }
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeout);
        try {
            while (metrics.inFlight().get() > 0 && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (metrics.inFlight().get() > 0) {
            LOG.warn("graceful shutdown: {} requests still in flight after {} ms", metrics.inFlight().get(), timeout);
        }
        clients.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
        if (forwarder != null) {
            forwarder.closeIdleUpstreams();
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
