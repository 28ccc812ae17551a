package dev.faultline.prober.probe;

import dev.faultline.prober.config.ProberConfig.StatusChanges;
import dev.faultline.prober.config.ProberConfig.Step;
import dev.faultline.prober.telemetry.ProberMetrics;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.event.Level;

/**
 * Changes what the word-game server's {@code /status} answers, on its own schedule: every {@code interval} the next
 * step goes to the admin endpoint ({@code PUT} with code, body and delay; {@code DELETE} for a reset). Each change is
 * one log line and counted; on stop the server is put back to its default when anything was changed.
 */
public final class StatusChanger {
    private static final Logger LOG = LoggerFactory.getLogger(StatusChanger.class);
    private static final long ADMIN_TIMEOUT_MS = 5_000;

    private final Vertx vertx;
    private final HttpClient client;
    private final StatusChanges config;
    private final ProberMetrics metrics;
    private final AtomicBoolean changed = new AtomicBoolean();
    private volatile Ticker ticker;
    private int next;

    public StatusChanger(Vertx vertx, HttpClient client, StatusChanges config, ProberMetrics metrics) {
        this.vertx = vertx;
        this.client = client;
        this.config = config;
        this.metrics = metrics;
    }

    /** The first change comes one interval after the start. */
    public void start() {
        long ms = config.interval().toMillis();
        ticker = Ticker.start(vertx, ms, ms, this::step);
    }

    private void step() {
        if (next >= config.steps().size()) {
            if (!config.repeat()) {
                ticker.cancel();
                return;
            }
            next = 0;
        }
        int index = next++;
        apply(index, config.steps().get(index));
    }

    private Future<Void> apply(int index, Step step) {
        RequestOptions options = new RequestOptions().setAbsoluteURI(config.adminUrl().toString())
                .setMethod(step.reset() ? HttpMethod.DELETE : HttpMethod.PUT)
                .setConnectTimeout(ADMIN_TIMEOUT_MS).setIdleTimeout(ADMIN_TIMEOUT_MS)
                .putHeader("Content-Type", "application/json").putHeader("User-Agent", HttpProbe.USER_AGENT);
        config.token().ifPresent(t -> options.putHeader("Authorization", "Bearer " + t));
        String body = "";
        if (!step.reset()) {
            JsonObject json = new JsonObject().put("code", step.code().get()).put("delayMs", step.delay().toMillis());
            step.body().ifPresent(b -> json.put("body", b));
            body = json.encode();
        }
        String payload = body;
        String code = step.code().map(String::valueOf).orElse("reset");
        return client.request(options).compose(req -> req.send(payload))
                .compose(resp -> resp.body().map(b -> {
                    boolean ok = resp.statusCode() == 200;
                    if (ok) {
                        changed.set(true);
                    }
                    metrics.statusChanged(code, ok, step.code().orElse(200));
                    org.slf4j.spi.LoggingEventBuilder line = log(ok ? Level.INFO : Level.WARN, index, step, code)
                            .addKeyValue("admin_status", resp.statusCode());
                    if (!ok) {
                        line = line.addKeyValue("error", HttpProbe.describe(new IllegalStateException(b.toString())));
                    }
                    line.log(ok ? "status changed" : "status change refused");
                    return (Void) null;
                }))
                .timeout(ADMIN_TIMEOUT_MS, TimeUnit.MILLISECONDS)
                .recover(e -> {
                    metrics.statusChanged(code, false, 0);
                    log(Level.WARN, index, step, code).addKeyValue("error", HttpProbe.describe(e))
                            .log("status change failed");
                    return Future.succeededFuture();
                });
    }

    private org.slf4j.spi.LoggingEventBuilder log(Level level, int index, Step step, String code) {
        org.slf4j.spi.LoggingEventBuilder b = LOG.atLevel(level).addKeyValue("step", index < 0 ? "on stop" : index)
                .addKeyValue("admin_url", config.adminUrl().toString()).addKeyValue("code", code);
        if (!step.reset()) {
            b = b.addKeyValue("delay_ms", step.delay().toMillis());
            if (step.body().isPresent()) {
                String body = step.body().get();
                b = b.addKeyValue("body", body.length() > 200 ? body.substring(0, 200) + "…" : body);
            }
        }
        return b;
    }

    /** Stops the schedule; puts the server back to its default (waiting up to 5 s) if a change was made. */
    public Future<Void> stop() {
        if (ticker != null) {
            ticker.cancel();
        }
        if (!config.resetOnStop() || !changed.get()) {
            return Future.succeededFuture();
        }
        return apply(-1, new Step(java.util.Optional.empty(), java.util.Optional.empty(), java.time.Duration.ZERO));
    }
}
