package dev.faultline.wordgame.telemetry;

import dev.faultline.wordgame.game.Game;
import dev.faultline.wordgame.game.GameEvents;
import dev.faultline.wordgame.game.GameStore;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.lang.management.ManagementFactory;
import java.lang.management.OperatingSystemMXBean;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.ToIntFunction;
import java.util.function.ToLongFunction;

/**
 * Every meter of the word-game server, names and tags in one place. Implements {@link GameEvents} so the store
 * reports into it without knowing Micrometer.
 */
public final class Metrics implements GameEvents, AutoCloseable {
    public static final String HTTP_REQUESTS = "http.server.requests";
    public static final String HTTP_ACTIVE = "http.server.active.requests";
    public static final String GAMES_STARTED = "wordgame.games.started";
    public static final String GUESSES = "wordgame.guesses";
    public static final String GAMES_FINISHED = "wordgame.games.finished";
    public static final String GAMES_LIVE = "wordgame.games.live";
    public static final String GAMES_CAPACITY = "wordgame.games.capacity";
    public static final String GAMES_EVICTED = "wordgame.games.evicted";
    public static final String STORE_REJECTED = "wordgame.store.rejected";
    public static final String FAULTS_INJECTED = "wordgame.faults.injected";
    public static final String IDEMPOTENT_REPLAYS = "wordgame.idempotent.replays";
    public static final String IDEMPOTENCY_CONFLICTS = "wordgame.idempotency.conflicts";
    public static final String IDEMPOTENCY_KEYS = "wordgame.idempotency.keys";
    public static final String IDEMPOTENCY_KEYS_CAPACITY = "wordgame.idempotency.keys.capacity";
    public static final String IDEMPOTENCY_EVICTED = "wordgame.idempotency.evicted";

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final JvmGcMetrics gcMetrics = new JvmGcMetrics();
    private final Counter started;
    private final Counter hits;
    private final Counter misses;
    private final Counter invalid;
    private final Counter won;
    private final Counter lost;
    private final Counter evicted;
    private final Counter rejected;
    private final AtomicInteger active = new AtomicInteger();
    private final Map<String, Timer> timers = new ConcurrentHashMap<>();
    private final Map<String, Counter> faults = new ConcurrentHashMap<>();
    private final Map<String, Counter> idempotency = new ConcurrentHashMap<>();

    public Metrics() {
        // Two of Micrometer's process meters break Prometheus naming rules (promtool check metrics): the CPU time is
        // re-exposed as the conventional process_cpu_seconds_total, and the CPU count gets a name without "_count".
        registry.config().meterFilter(MeterFilter.deny(id -> id.getName().equals("process.cpu.time")));
        registry.config().meterFilter(new MeterFilter() {
            @Override
            public Meter.Id map(Meter.Id id) {
                return id.getName().equals("system.cpu.count") ? id.withName("system.cpus.available") : id;
            }
        });
        FunctionCounter.builder("process.cpu", ManagementFactory.getOperatingSystemMXBean(), Metrics::cpuSeconds)
                .baseUnit("seconds").description("CPU time used by this process").register(registry);
        new JvmMemoryMetrics().bindTo(registry);
        gcMetrics.bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ClassLoaderMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        new FileDescriptorMetrics().bindTo(registry);
        started = Counter.builder(GAMES_STARTED).description("Games started").register(registry);
        hits = guessCounter("hit");
        misses = guessCounter("miss");
        invalid = guessCounter("invalid");
        won = finishedCounter("won");
        lost = finishedCounter("lost");
        evicted = Counter.builder(GAMES_EVICTED).description("Games evicted after the idle TTL")
                .tag("reason", "idle").register(registry);
        rejected = Counter.builder(STORE_REJECTED).description("New games refused because the store was full")
                .register(registry);
        Gauge.builder(HTTP_ACTIVE, active, AtomicInteger::get).description("Requests in flight").register(registry);
    }

    private static double cpuSeconds(OperatingSystemMXBean os) {
        if (os instanceof com.sun.management.OperatingSystemMXBean sun) {
            return sun.getProcessCpuTime() / 1e9;
        }
        return Double.NaN;
    }

    public static final String TLS_HANDSHAKES = "wordgame.tls.handshakes";
    public static final String TLS_FAILURES = "wordgame.tls.handshake.failures";
    /** Reasons a TLS handshake fails, as counted: the tag values of {@link #TLS_FAILURES}. */
    public static final java.util.List<String> TLS_FAILURE_REASONS = java.util.List.of("eof", "reset", "timeout",
            "protocol", "other");
    private final Map<String, Counter> tlsHandshakes = new ConcurrentHashMap<>();

    /** A completed TLS handshake: full or resumed, and the version agreed. */
    public void tlsHandshake(boolean resumed, String protocol) {
        String p = "TLSv1.3".equals(protocol) || "TLSv1.2".equals(protocol) ? protocol : "other";
        tlsHandshakes.computeIfAbsent((resumed ? "r:" : "f:") + p, k -> Counter.builder(TLS_HANDSHAKES)
                .description("TLS handshakes by outcome, whether the session was resumed, and version")
                .tag("outcome", "success").tag("resumed", Boolean.toString(resumed)).tag("protocol", p)
                .register(registry)).increment();
    }

    /** A TLS handshake that failed, by reason (one of {@link #TLS_FAILURE_REASONS}). */
    public void tlsHandshakeFailed(String reason) {
        String r = TLS_FAILURE_REASONS.contains(reason) ? reason : "other";
        tlsHandshakes.computeIfAbsent("x:" + r, k -> Counter.builder(TLS_FAILURES)
                .description("TLS handshakes that failed, by reason").tag("reason", r).register(registry)).increment();
        tlsHandshakes.computeIfAbsent("x", k -> Counter.builder(TLS_HANDSHAKES)
                .description("TLS handshakes by outcome, whether the session was resumed, and version")
                .tag("outcome", "failure").tag("resumed", "false").tag("protocol", "none")
                .register(registry)).increment();
    }

    /** Registers the store's gauges (live games and capacity). */
    public void bindStore(GameStore store) {
        Gauge.builder(GAMES_LIVE, store, GameStore::size).description("Games in the store").register(registry);
        Gauge.builder(GAMES_CAPACITY, store, GameStore::capacity).description("Most games the store holds")
                .register(registry);
    }

    /** Registers the Idempotency-Key table's gauges and eviction counters. */
    public <T> void bindIdempotency(T table, ToIntFunction<T> size, ToIntFunction<T> capacity,
                                    ToLongFunction<T> evictedForCapacity, ToLongFunction<T> expired) {
        Gauge.builder(IDEMPOTENCY_KEYS, table, t -> size.applyAsInt(t))
                .description("Idempotency keys remembered").register(registry);
        Gauge.builder(IDEMPOTENCY_KEYS_CAPACITY, table, t -> capacity.applyAsInt(t))
                .description("Most idempotency keys remembered at once").register(registry);
        FunctionCounter.builder(IDEMPOTENCY_EVICTED, table, t -> evictedForCapacity.applyAsLong(t))
                .description("Idempotency keys dropped before their window ended (table full) or at its end")
                .tag("reason", "capacity").register(registry);
        FunctionCounter.builder(IDEMPOTENCY_EVICTED, table, t -> expired.applyAsLong(t))
                .description("Idempotency keys dropped before their window ended (table full) or at its end")
                .tag("reason", "expired").register(registry);
    }

    /** A request answered with the stored answer of its Idempotency-Key (not applied again: not a guess). */
    public void idempotentReplay(String route) {
        idempotency.computeIfAbsent("r " + route, k -> Counter.builder(IDEMPOTENT_REPLAYS)
                .description("Requests answered by replaying the first answer to their Idempotency-Key")
                .tag("route", route).register(registry)).increment();
    }

    /** A request refused because its Idempotency-Key is in use: {@code in_progress} or {@code body_mismatch}. */
    public void idempotencyConflict(String route, String reason) {
        idempotency.computeIfAbsent("c " + route + ' ' + reason, k -> Counter.builder(IDEMPOTENCY_CONFLICTS)
                .description("Requests refused because their Idempotency-Key was in progress or used with another body")
                .tag("route", route).tag("reason", reason).register(registry)).increment();
    }

    private Counter guessCounter(String result) {
        return Counter.builder(GUESSES).description("Guesses by result").tag("result", result).register(registry);
    }

    private Counter finishedCounter(String outcome) {
        return Counter.builder(GAMES_FINISHED).description("Games finished by outcome").tag("outcome", outcome)
                .register(registry);
    }

    /** Records one finished HTTP exchange; {@code route} is a known route template or "unmatched". */
    public void request(String method, String route, int status, long durationNanos) {
        String key = method + ' ' + route + ' ' + status;
        timers.computeIfAbsent(key, k -> Timer.builder(HTTP_REQUESTS)
                        .description("HTTP requests served, by method, route and status")
                        .tag("method", method).tag("route", route).tag("status", Integer.toString(status))
                        .publishPercentileHistogram()
                        .minimumExpectedValue(Duration.ofMillis(1))
                        .maximumExpectedValue(Duration.ofSeconds(30))
                        .register(registry))
                .record(durationNanos, TimeUnit.NANOSECONDS);
    }

    public void requestStarted() {
        active.incrementAndGet();
    }

    public void requestEnded() {
        active.decrementAndGet();
    }

    public void invalidGuess() {
        invalid.increment();
    }

    public void faultInjected(String type, String path) {
        faults.computeIfAbsent(type + ' ' + path, k -> Counter.builder(FAULTS_INJECTED)
                .description("HTTP faults injected by type and path").tag("type", type).tag("path", path)
                .register(registry)).increment();
    }

    @Override
    public void started() {
        started.increment();
    }

    @Override
    public void guessed(boolean hit) {
        (hit ? hits : misses).increment();
    }

    @Override
    public void finished(Game.Outcome outcome) {
        (outcome == Game.Outcome.WON ? won : lost).increment();
    }

    @Override
    public void evicted() {
        evicted.increment();
    }

    @Override
    public void rejectedFull() {
        rejected.increment();
    }

    /** The exposition for a scraper: OpenMetrics when its Accept header asks for it, else Prometheus text 0.0.4. */
    public Scrape scrape(String accept) {
        boolean openMetrics = accept != null && accept.contains("application/openmetrics-text");
        String contentType = openMetrics
                ? "application/openmetrics-text; version=1.0.0; charset=utf-8"
                : "text/plain; version=0.0.4; charset=utf-8";
        return new Scrape(contentType, registry.scrape(contentType));
    }

    public PrometheusMeterRegistry registry() {
        return registry;
    }

    @Override
    public void close() {
        gcMetrics.close();
        registry.close();
    }

    public record Scrape(String contentType, String body) {
    }
}
