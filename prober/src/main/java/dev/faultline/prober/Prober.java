package dev.faultline.prober;

import dev.faultline.prober.config.ProberConfig;
import dev.faultline.prober.probe.HttpProbe;
import dev.faultline.prober.probe.ProbeResult;
import dev.faultline.prober.probe.StatusChanger;
import dev.faultline.prober.probe.Ticker;
import dev.faultline.prober.probe.ToxicWatcher;
import dev.faultline.prober.telemetry.ProberMetrics;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.PoolOptions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.event.Level;

/**
 * The prober process: each probe on its own timer (at most one attempt in flight per probe), the status schedule,
 * the toxic watcher, and the listener for {@code /metrics} and {@code /health}. One event loop does it all.
 */
public final class Prober implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Prober.class);
    private static final Logger PROBES = LoggerFactory.getLogger("probe");

    private final ProberConfig config;
    private final LongSupplier nanoTime;
    private final Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1).setWorkerPoolSize(1));
    private final ProberMetrics metrics = new ProberMetrics();
    private final HttpClient client;
    private final List<Ticker> tickers = new ArrayList<>();
    private final AtomicLong sequence = new AtomicLong();
    private StatusChanger statusChanger;
    private ToxicWatcher toxicWatcher;
    private HttpServer server;

    public Prober(ProberConfig config, LongSupplier nanoTime) {
        this.config = config;
        this.nanoTime = nanoTime;
        // a fresh connection per probe (as the blackbox exporter): the duration includes connecting
        this.client = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(false).setMaxRedirects(0),
                new PoolOptions().setHttp1MaxSize(Math.max(4, config.probes().size() + 2)));
    }

    /** Listens, then starts probing; returns the metrics port. */
    public int start() {
        // HTTP/1.1 only: an exposition endpoint gains nothing from an h2c upgrade
        HttpServerOptions options = new HttpServerOptions().setIdleTimeout(60).setHttp2ClearTextEnabled(false);
        server = await(vertx.createHttpServer(options)
                .requestHandler(req -> {
                    if (req.path().equals(config.metrics().path())) {
                        ProberMetrics.Scrape s = metrics.scrape(req.getHeader("Accept"));
                        req.response().putHeader("Content-Type", s.contentType()).end(s.body());
                    } else if (req.path().equals("/health")) {
                        req.response().putHeader("Content-Type", "text/plain").end("OK");
                    } else {
                        req.response().setStatusCode(404).putHeader("Content-Type", "application/json")
                                .end("{\"error\":\"metrics are at " + config.metrics().path() + "\"}");
                    }
                })
                .listen(config.metrics().port(), config.metrics().host()),
                "listen on " + config.metrics().host() + ":" + config.metrics().port());
        for (ProberConfig.Probe p : config.probes()) {
            schedule(new HttpProbe(vertx, client, p, nanoTime));
        }
        config.statusChanges().ifPresent(s -> {
            statusChanger = new StatusChanger(vertx, client, s, metrics);
            statusChanger.start();
        });
        config.toxiproxy().ifPresent(t -> {
            toxicWatcher = new ToxicWatcher(vertx, client, t, metrics);
            toxicWatcher.start();
        });
        LOG.atInfo().addKeyValue("metrics_port", server.actualPort()).addKeyValue("probes", config.probes().size())
                .addKeyValue("status_changes", config.statusChanges().isPresent())
                .addKeyValue("toxiproxy", config.toxiproxy().map(t -> t.url().toString()).orElse("none"))
                .log("prober started");
        return server.actualPort();
    }

    private void schedule(HttpProbe probe) {
        AtomicBoolean inFlight = new AtomicBoolean();
        long interval = probe.probe().interval().toMillis();
        tickers.add(Ticker.start(vertx, 0, interval, () -> {
            if (!inFlight.compareAndSet(false, true)) {
                return;
            }
            probe.run(sequence.incrementAndGet()).onSuccess(r -> {
                inFlight.set(false);
                metrics.probed(r);
                log(r);
            });
        }));
    }

    /** One JSON line per probe: which probe and endpoint, status, success, duration and the error if any. */
    private static void log(ProbeResult r) {
        var line = PROBES.atLevel(r.success() ? Level.INFO : Level.WARN).addKeyValue("probe", r.probe())
                .addKeyValue("target", r.target()).addKeyValue("status", r.status())
                .addKeyValue("success", r.success())
                .addKeyValue("duration_ms", Math.round(r.duration().toNanos() / 1e3) / 1e3);
        if (r.error().isPresent()) {
            line = line.addKeyValue("error", r.error().get());
        }
        line.log("probe");
    }

    public int metricsPort() {
        return server.actualPort();
    }

    private <T> T await(Future<T> f, String what) {
        try {
            return f.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            close();
            throw new StartException("cannot " + what + ": " + e.getCause().getMessage());
        } catch (TimeoutException e) {
            close();
            throw new StartException("cannot " + what + ": no answer within 30 s");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            close();
            throw new StartException("interrupted");
        }
    }

    /** Stops probing, puts the server's /status back when it was changed (up to 5 s), then releases everything. */
    @Override
    public void close() {
        tickers.forEach(Ticker::cancel);
        if (toxicWatcher != null) {
            toxicWatcher.stop();
        }
        if (statusChanger != null) {
            try {
                statusChanger.stop().toCompletionStage().toCompletableFuture().get(6, TimeUnit.SECONDS);
            } catch (ExecutionException | TimeoutException e) {
                LOG.warn("could not put the server's /status back: {}", e.toString());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        try {
            vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        } catch (ExecutionException | TimeoutException e) {
            LOG.warn("Vert.x did not close cleanly: {}", e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        metrics.close();
    }

    /** The prober could not start; the message is meant for the user as it is. */
    public static final class StartException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        public StartException(String message) {
            super(message);
        }
    }
}
