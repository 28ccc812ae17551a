package dev.faultline.wordgame.http;

import dev.faultline.wordgame.config.ServerConfig;
import dev.faultline.wordgame.game.GameStore;
import dev.faultline.wordgame.game.WordList;
import dev.faultline.wordgame.telemetry.Metrics;
import dev.faultline.wordgame.telemetry.Tracing;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.file.FileSystemOptions;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PfxOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.LinkedHashSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The word-game server: owns its Vert.x instance, store, telemetry and listeners. {@link #start()} returns once it
 * accepts connections; {@link #close()} drains in-flight requests for at most the shutdown timeout.
 */
public final class WordgameServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(WordgameServer.class);
    private static final Duration START_TIMEOUT = Duration.ofSeconds(30);
    /** The TLS warm-up stops after this long even if it has not made all its handshakes. */
    static final long WARMUP_BUDGET_MS = 10_000;

    private final ServerConfig config;
    private final Vertx vertx;
    private final Metrics metrics;
    private final Tracing tracing;
    private final GameStore store;
    private final IdempotencyStore keys;
    private final AtomicBoolean ready = new AtomicBoolean();
    private final List<ServerVerticle> verticles = new CopyOnWriteArrayList<>();
    private final int instances;
    private int port;
    private int tlsPort = -1;
    private int adminPort = -1;
    private long sweepTimer = -1;
    private long tlsTimer = -1;
    private final TlsHandshakes tls;

    public WordgameServer(ServerConfig config, WordList words, LongSupplier nanoClock) {
        this.config = config;
        this.instances = config.eventLoops() > 0 ? config.eventLoops() : Runtime.getRuntime().availableProcessors();
        this.metrics = new Metrics();
        this.tracing = new Tracing(config.serviceName(), config.otlpEndpoint());
        this.store = new GameStore(words, config.maxGames(), config.gameTtl(), nanoClock, metrics);
        metrics.bindStore(store);
        this.keys = new IdempotencyStore(config.idempotencyWindow(), config.idempotencyMaxKeys(), nanoClock);
        metrics.bindIdempotency(keys, IdempotencyStore::size, IdempotencyStore::maxKeys,
                IdempotencyStore::evictedForCapacity, IdempotencyStore::expired);
        this.tls = new TlsHandshakes(metrics);
        this.vertx = Vertx.vertx(new VertxOptions()
                .setEventLoopPoolSize(instances)
                .setFileSystemOptions(new FileSystemOptions().setFileCachingEnabled(false)
                        .setClassPathResolvingEnabled(false)));
    }

    /** Binds and starts serving; returns the bound port. Throws {@link StartException} when it cannot listen. */
    public int start() {
        RequestHandler handler = new RequestHandler(vertx, config, store, keys, metrics, tracing, ready);
        HttpServerOptions options = serverOptions(config);
        java.util.Optional<Integer> tlsPort = config.tls().enabled() ? config.tls().port() : java.util.Optional.empty();
        if (config.tls().enabled() && config.tls().warmup() > 0) {
            TlsWarmup.Result w = TlsWarmup.run(vertx, options, handler, config.tls().warmup(), WARMUP_BUDGET_MS);
            LOG.atInfo().addKeyValue("handshakes", w.handshakes()).addKeyValue("millis", w.millis())
                    .addKeyValue("error", w.error()).log("TLS warm-up done");
        }
        ServerConfig.AdminListener admin = config.adminListener();
        try {
            // Verticle instances that listen on the same requested host:port share one socket (also for port 0),
            // one server per event loop.
            // the admin and TLS listeners first: once the main one answers (health checks), all do
            if (admin.port().isPresent()) {
                adminPort = listen(plain(options), handler.adminListener(), admin.host(), admin.port().get(), 1);
            }
            if (tlsPort.isPresent()) {
                this.tlsPort = listen(options, handler, config.host(), tlsPort.get(), instances);
            }
            port = listen(tlsPort.isPresent() ? plain(options) : options, handler, config.host(), config.port(),
                    instances);
        } catch (StartException e) {
            closeQuietly();
            throw e;
        }
        long sweepMs = Math.max(100, Math.min(config.gameTtl().toMillis() / 10, 10_000));
        sweepTimer = vertx.setPeriodic(sweepMs, id -> vertx.executeBlocking(() -> {
            keys.evictExpired();
            return store.evictExpired();
        }, false));
        if (config.tls().enabled()) {
            tlsTimer = vertx.setPeriodic(TlsHandshakes.SUMMARY_EVERY_MS, id -> tls.summarize());
        }
        ready.set(true);
        LOG.atInfo().addKeyValue("port", port).addKeyValue("tls_port", tlsPort.isPresent() ? this.tlsPort : null)
                .addKeyValue("host", config.host())
                .addKeyValue("admin_port", adminPort < 0 ? null : adminPort)
                .addKeyValue("admin_host", adminPort < 0 ? null : admin.host())
                .addKeyValue("tls", config.tls().enabled()).addKeyValue("event_loops", instances)
                .log("wordgame-server listening");
        if (config.portFile().isPresent()) {
            writePortFile(config.portFile().get());
        }
        return port;
    }

    /** Deploys {@code count} verticles listening on one host:port; returns the port they got. */
    private int listen(HttpServerOptions options, Handler<HttpServerRequest> h,
                       String host, int requested, int count) {
        List<ServerVerticle> deployed = new CopyOnWriteArrayList<>();
        await(vertx.deployVerticle(() -> {
            ServerVerticle v = new ServerVerticle(options, h, requested, host, tls);
            deployed.add(v);
            verticles.add(v);
            return v;
        }, new DeploymentOptions().setInstances(count)), host + ":" + requested);
        return deployed.get(0).actualPort();
    }

    /** Last step of the start: a parent that reads the file finds every listener up and the server ready. */
    private void writePortFile(Path file) {
        try {
            PortFile.write(file, port, adminPort, tlsPort);
        } catch (IOException e) {
            ready.set(false);
            closeQuietly();
            throw new StartException("cannot write --port-file " + file + ": " + describe(e), e);
        }
    }

    /**
     * The listeners' options, TLS included. Package-private and static so that tests (the in-memory TLS handshake
     * benchmark) build their server-side {@code SSLEngine} from exactly these options.
     */
    static HttpServerOptions serverOptions(ServerConfig config) {
        HttpServerOptions options = new HttpServerOptions()
                .setTcpNoDelay(true)
                .setIdleTimeout((int) config.idleTimeout().toSeconds())
                .setIdleTimeoutUnit(TimeUnit.SECONDS)
                .setMaxHeaderSize(config.maxHeaderBytes())
                .setMaxInitialLineLength(4096)
                .setCompressionSupported(false)
                // HTTP/1.1 only: no h2c upgrade (a way to tunnel past a proxy's routes), and the connection exists
                // before its first request is decoded, which FramingCheck needs
                .setHttp2ClearTextEnabled(false);
        ServerConfig.Tls tls = config.tls();
        if (tls.enabled()) {
            options.setSsl(true);
            if (tls.keystore().isPresent()) {
                options.setKeyCertOptions(new PfxOptions().setPath(tls.keystore().get().toString())
                        .setPassword(tls.keystorePassword().orElse("")));
            } else {
                options.setKeyCertOptions(new PemKeyCertOptions().setCertPath(tls.certFile().get().toString())
                        .setKeyPath(tls.keyFile().get().toString()));
            }
            options.setEnabledSecureTransportProtocols(new LinkedHashSet<>(tls.protocols()));
            options.setSslHandshakeTimeout(tls.handshakeTimeout().toMillis()).setSslHandshakeTimeoutUnit(TimeUnit.MILLISECONDS);
        }
        return options;
    }

    /** The same options without TLS: the plain listener beside a TLS one. */
    private static HttpServerOptions plain(HttpServerOptions tls) {
        return new HttpServerOptions(tls).setSsl(false).setKeyCertOptions(null);
    }

    private <T> T await(Future<T> future, String address) {
        try {
            return future.toCompletionStage().toCompletableFuture()
                    .get(START_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw new StartException("cannot listen on " + address + ": " + describe(e.getCause()), e.getCause());
        } catch (TimeoutException e) {
            throw new StartException("cannot listen on " + address
                    + ": no answer within " + START_TIMEOUT.toSeconds() + " s", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StartException("interrupted while starting", e);
        }
    }

    private static String describe(Throwable t) {
        StringBuilder sb = new StringBuilder();
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c.getMessage() != null && sb.indexOf(c.getMessage()) < 0) {
                sb.append(sb.length() == 0 ? "" : ": ").append(c.getMessage());
            }
        }
        return sb.length() == 0 ? t.getClass().getSimpleName() : sb.toString();
    }

    public int port() {
        return port;
    }

    /** The TLS listener's port when {@code --tls-port} is set, else -1. */
    public int tlsPort() {
        return tlsPort;
    }

    /** The admin listener's port when {@code --admin-port} is set, else -1. */
    public int adminPort() {
        return adminPort;
    }

    public GameStore store() {
        return store;
    }

    public Metrics metrics() {
        return metrics;
    }

    /** Stops taking new requests, waits for in-flight ones (up to the shutdown timeout), then releases everything. */
    @Override
    public void close() {
        if (!ready.getAndSet(false)) {
            closeQuietly();
            return;
        }
        LOG.info("wordgame-server shutting down");
        config.portFile().ifPresent(WordgameServer::deleteQuietly);
        long timeoutMs = config.shutdownTimeout().toMillis();
        List<Future<Void>> shutdowns = new ArrayList<>();
        for (ServerVerticle v : verticles) {
            shutdowns.add(v.shutdown(timeoutMs));
        }
        try {
            Future.join(shutdowns).toCompletionStage().toCompletableFuture()
                    .get(timeoutMs + 5_000, TimeUnit.MILLISECONDS);
        } catch (ExecutionException | TimeoutException e) {
            LOG.warn("graceful shutdown did not finish cleanly: {}", describe(e));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        closeQuietly();
        LOG.info("wordgame-server stopped");
    }

    private static void deleteQuietly(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            LOG.warn("cannot remove --port-file {}: {}", file, describe(e));
        }
    }

    private void closeQuietly() {
        if (sweepTimer >= 0) {
            vertx.cancelTimer(sweepTimer);
        }
        if (tlsTimer >= 0) {
            vertx.cancelTimer(tlsTimer);
            tls.summarize();
        }
        try {
            vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        } catch (ExecutionException | TimeoutException e) {
            LOG.warn("Vert.x did not close cleanly: {}", describe(e));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        tracing.close();
        metrics.close();
    }

    /** The server could not start; the message is meant for the user as it is. */
    public static final class StartException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        StartException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
