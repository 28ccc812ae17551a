package dev.faultline.prober.probe;

import dev.faultline.prober.config.ProberConfig.Toxiproxy;
import dev.faultline.prober.telemetry.ProberMetrics;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Polls a Toxiproxy API ({@code GET /proxies}) and exports its active toxics as gauges (a disabled proxy counts as a
 * {@code down} toxic), so dashboards and alerts can show when faults are being injected. A change in the set of
 * toxics is one log line.
 */
public final class ToxicWatcher {
    private static final Logger LOG = LoggerFactory.getLogger(ToxicWatcher.class);

    private final Vertx vertx;
    private final HttpClient client;
    private final Toxiproxy config;
    private final ProberMetrics metrics;
    private volatile Ticker ticker;
    private Map<String, String> lastSeen;
    private Boolean lastUp;

    public ToxicWatcher(Vertx vertx, HttpClient client, Toxiproxy config, ProberMetrics metrics) {
        this.vertx = vertx;
        this.client = client;
        this.config = config;
        this.metrics = metrics;
    }

    public void start() {
        ticker = Ticker.start(vertx, 0, config.interval().toMillis(), this::poll);
    }

    public void stop() {
        if (ticker != null) {
            ticker.cancel();
        }
    }

    private void poll() {
        long timeout = Math.min(config.interval().toMillis(), 5_000);
        String url = config.url().toString().replaceAll("/+$", "") + "/proxies";
        client.request(new RequestOptions().setMethod(HttpMethod.GET).setAbsoluteURI(url).setConnectTimeout(timeout)
                        .setIdleTimeout(timeout).putHeader("User-Agent", HttpProbe.USER_AGENT))
                .compose(req -> req.send())
                .compose(resp -> resp.statusCode() == 200 ? resp.body()
                        : io.vertx.core.Future.failedFuture("Toxiproxy answered " + resp.statusCode()))
                .timeout(timeout, TimeUnit.MILLISECONDS)
                .onSuccess(body -> {
                    try {
                        seen(new JsonObject(body));
                    } catch (RuntimeException e) {
                        down(url, "not a Toxiproxy /proxies answer: " + HttpProbe.describe(e));
                    }
                })
                .onFailure(e -> down(url, HttpProbe.describe(e)));
    }

    private void seen(JsonObject proxies) {
        Map<String, Map<String, Integer>> counts = new TreeMap<>();
        Map<String, String> described = new TreeMap<>();
        for (String name : proxies.fieldNames()) {
            JsonObject p = proxies.getJsonObject(name);
            Map<String, Integer> byType = counts.computeIfAbsent(name, k -> new TreeMap<>());
            StringBuilder text = new StringBuilder();
            if (!p.getBoolean("enabled", true)) {
                byType.merge("down", 1, Integer::sum);
                text.append("down ");
            }
            JsonArray toxics = p.getJsonArray("toxics", new JsonArray());
            for (int i = 0; i < toxics.size(); i++) {
                JsonObject t = toxics.getJsonObject(i);
                byType.merge(t.getString("type", "unknown"), 1, Integer::sum);
                JsonObject attributes = t.getJsonObject("attributes", new JsonObject());
                text.append(t.getString("name")).append('=').append(t.getString("type")).append('/')
                        .append(t.getString("stream", "downstream")).append(attributes.encode()).append(' ');
            }
            described.put(name, text.toString().strip());
        }
        metrics.toxics(counts);
        if (!described.equals(lastSeen) || !Boolean.TRUE.equals(lastUp)) {
            var line = LOG.atInfo().addKeyValue("toxiproxy", config.url().toString());
            for (Map.Entry<String, String> e : described.entrySet()) {
                line = line.addKeyValue(e.getKey(), e.getValue().isEmpty() ? "none" : e.getValue());
            }
            line.log("toxics changed");
        }
        lastSeen = described;
        lastUp = true;
    }

    private void down(String url, String error) {
        metrics.toxiproxyDown();
        if (!Boolean.FALSE.equals(lastUp)) {
            LOG.atWarn().addKeyValue("url", url).addKeyValue("error", error).log("toxiproxy not answering");
        }
        lastUp = false;
    }
}
