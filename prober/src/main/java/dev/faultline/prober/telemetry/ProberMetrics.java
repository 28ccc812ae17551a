package dev.faultline.prober.telemetry;

import dev.faultline.prober.probe.ProbeResult;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.lang.management.ManagementFactory;
import java.lang.management.OperatingSystemMXBean;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Every meter of the prober, names and tags in one place. The last result of each probe uses the blackbox
 * exporter's names ({@code probe_success}, {@code probe_duration_seconds}, {@code probe_http_status_code}, labels
 * {@code probe} and {@code target}); every result also goes into the {@code prober_probe_duration_seconds}
 * histogram by probe and result.
 */
public final class ProberMetrics implements AutoCloseable {
    public static final String PROBE_SUCCESS = "probe.success";
    public static final String PROBE_DURATION = "probe.duration.seconds";
    public static final String PROBE_STATUS = "probe.http.status.code";
    public static final String PROBE_HISTOGRAM = "prober.probe.duration";
    public static final String STATUS_CHANGES = "prober.status.changes";
    public static final String STATUS_CODE = "prober.status.code";
    public static final String TOXICS_ACTIVE = "prober.toxics.active";
    public static final String TOXIPROXY_UP = "prober.toxiproxy.up";

    /** Histogram buckets (seconds): fine below 100 ms where healthy probes land, coarse up to the longest timeout. */
    private static final Duration[] BUCKETS = {Duration.ofMillis(1), Duration.ofMillis(2), Duration.ofMillis(5),
        Duration.ofMillis(10), Duration.ofMillis(25), Duration.ofMillis(50), Duration.ofMillis(100),
        Duration.ofMillis(250), Duration.ofMillis(500), Duration.ofSeconds(1), Duration.ofMillis(2500),
        Duration.ofSeconds(5), Duration.ofSeconds(10), Duration.ofSeconds(30)};

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final JvmGcMetrics gcMetrics = new JvmGcMetrics();
    private final Map<String, AtomicReference<ProbeResult>> last = new ConcurrentHashMap<>();
    private final Map<String, Timer> timers = new ConcurrentHashMap<>();
    private final Map<String, Counter> changes = new ConcurrentHashMap<>();
    private final AtomicReference<Double> statusCode = new AtomicReference<>(Double.NaN);
    private final AtomicReference<Double> toxiproxyUp = new AtomicReference<>(Double.NaN);
    private final MultiGauge toxics;
    private final java.util.Set<List<String>> seenToxics = new java.util.LinkedHashSet<>();

    public ProberMetrics() {
        // As in the servers: the CPU time under its conventional name, the CPU count without "_count" (promtool lint).
        registry.config().meterFilter(MeterFilter.deny(id -> id.getName().equals("process.cpu.time")));
        registry.config().meterFilter(new MeterFilter() {
            @Override
            public Meter.Id map(Meter.Id id) {
                return id.getName().equals("system.cpu.count") ? id.withName("system.cpus.available") : id;
            }
        });
        FunctionCounter.builder("process.cpu", ManagementFactory.getOperatingSystemMXBean(), ProberMetrics::cpuSeconds)
                .baseUnit("seconds").description("CPU time used by this process").register(registry);
        new JvmMemoryMetrics().bindTo(registry);
        gcMetrics.bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ClassLoaderMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        Gauge.builder(STATUS_CODE, statusCode, AtomicReference::get)
                .description("The /status code the prober last set (200 after a reset); NaN before the first change")
                .register(registry);
        toxics = MultiGauge.builder(TOXICS_ACTIVE).description("Active toxics per Toxiproxy proxy and toxic type")
                .register(registry);
    }

    private static double cpuSeconds(OperatingSystemMXBean os) {
        if (os instanceof com.sun.management.OperatingSystemMXBean sun) {
            return sun.getProcessCpuTime() / 1e9;
        }
        return Double.NaN;
    }

    /** Records one probe: the blackbox gauges (registered at a probe's first result) and the histogram. */
    public void probed(ProbeResult r) {
        last.computeIfAbsent(r.probe(), name -> {
            AtomicReference<ProbeResult> ref = new AtomicReference<>(r);
            Tags tags = Tags.of("probe", r.probe(), "target", r.target());
            Gauge.builder(PROBE_SUCCESS, ref, x -> x.get().success() ? 1 : 0).tags(tags)
                    .description("Whether the probe's last attempt succeeded").register(registry);
            Gauge.builder(PROBE_DURATION, ref, x -> x.get().duration().toNanos() / 1e9).tags(tags)
                    .description("How long the probe's last attempt took, in seconds").register(registry);
            Gauge.builder(PROBE_STATUS, ref, x -> x.get().status()).tags(tags)
                    .description("HTTP status of the probe's last attempt (0: no answer)").register(registry);
            return ref;
        }).set(r);
        String result = r.success() ? "success" : "failure";
        timers.computeIfAbsent(r.probe() + ' ' + result, k -> Timer.builder(PROBE_HISTOGRAM)
                        .description("Probe durations by probe and result").tag("probe", r.probe())
                        .tag("result", result).serviceLevelObjectives(BUCKETS).register(registry))
                .record(r.duration().toNanos(), TimeUnit.NANOSECONDS);
    }

    /** One change of the server's /status: {@code code} ("reset" for the default) and whether the server took it. */
    public void statusChanged(String code, boolean ok, int codeNow) {
        String result = ok ? "ok" : "failed";
        changes.computeIfAbsent(code + ' ' + result, k -> Counter.builder(STATUS_CHANGES)
                .description("Changes of the server's /status requested through its admin endpoint")
                .tag("code", code).tag("result", result).register(registry)).increment();
        if (ok) {
            statusCode.set((double) codeNow);
        }
    }

    /**
     * The Toxiproxy API answered with these active toxics ({@code proxy -> type -> count}; a disabled proxy counts as
     * type {@code down}).
     */
    public void toxics(Map<String, Map<String, Integer>> counts) {
        if (toxiproxyUp.getAndSet(1.0).isNaN()) {
            registerToxiproxyUp();
        }
        Map<List<String>, Integer> now = new java.util.LinkedHashMap<>();
        counts.forEach((proxy, byType) -> byType.forEach((type, n) -> now.put(List.of(proxy, type), n)));
        synchronized (seenToxics) {
            seenToxics.addAll(now.keySet());
            List<MultiGauge.Row<?>> rows = new java.util.ArrayList<>();
            // a toxic seen once stays as a 0 once it is removed, so a panel shows it ending rather than vanishing
            for (List<String> key : seenToxics) {
                rows.add(MultiGauge.Row.of(Tags.of("proxy", key.get(0), "type", key.get(1)), now.getOrDefault(key, 0)));
            }
            toxics.register(rows, true);
        }
    }

    public void toxiproxyDown() {
        if (toxiproxyUp.getAndSet(0.0).isNaN()) {
            registerToxiproxyUp();
        }
    }

    private void registerToxiproxyUp() {
        Gauge.builder(TOXIPROXY_UP, toxiproxyUp, AtomicReference::get)
                .description("Whether the watched Toxiproxy API answered its last poll").register(registry);
    }

    /** The exposition for a scraper: OpenMetrics when its Accept header asks for it, else Prometheus text 0.0.4. */
    public Scrape scrape(String accept) {
        boolean openMetrics = accept != null && accept.contains("application/openmetrics-text");
        String contentType = openMetrics
                ? "application/openmetrics-text; version=1.0.0; charset=utf-8"
                : "text/plain; version=0.0.4; charset=utf-8";
        return new Scrape(contentType, registry.scrape(contentType));
    }

    @Override
    public void close() {
        gcMetrics.close();
        registry.close();
    }

    public record Scrape(String contentType, String body) {
    }
}
