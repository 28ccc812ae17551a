package dev.faultline.proxy.telemetry;

import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.github.resilience4j.micrometer.tagged.TaggedCircuitBreakerMetrics;
import io.github.resilience4j.micrometer.tagged.TaggedRateLimiterMetrics;
import io.github.resilience4j.micrometer.tagged.TaggedRetryMetrics;
import io.github.resilience4j.ratelimiter.RateLimiterRegistry;
import io.github.resilience4j.retry.RetryRegistry;
import io.micrometer.core.instrument.Clock;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.lang.management.ManagementFactory;
import java.lang.management.OperatingSystemMXBean;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReferenceArray;

/** Every meter of the proxy, names and tags in one place, plus the Resilience4j bindings. */
public final class ProxyMetrics implements AutoCloseable {
    public static final String REQUESTS = "proxy.requests";
    public static final String ATTEMPTS = "proxy.upstream.attempts";
    public static final String RETRIES = "proxy.retries";
    public static final String RETRIES_SKIPPED = "proxy.retries.skipped";
    public static final String TIMEOUTS = "proxy.timeouts";
    public static final String BREAKER_REJECTIONS = "proxy.breaker.rejections";
    public static final String RATE_LIMITED = "proxy.rate.limited";
    public static final String IN_FLIGHT = "proxy.requests.in.flight";
    public static final String CONNECTION_ERRORS = "proxy.upstream.connection.errors";

    private final CoarseClock clock = new CoarseClock();
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT,
            new PrometheusRegistry(), clock);
    private final JvmGcMetrics gc = new JvmGcMetrics();
    private final AtomicInteger inFlight = new AtomicInteger();
    private final Map<String, Meter> meters = new ConcurrentHashMap<>();

    public ProxyMetrics() {
        registry.config().meterFilter(MeterFilter.deny(id -> id.getName().equals("process.cpu.time")));
        registry.config().meterFilter(new MeterFilter() {
            @Override
            public Meter.Id map(Meter.Id id) {
                return id.getName().equals("system.cpu.count") ? id.withName("system.cpus.available") : id;
            }
        });
        FunctionCounter.builder("process.cpu", ManagementFactory.getOperatingSystemMXBean(), ProxyMetrics::cpuSeconds)
                .baseUnit("seconds").description("CPU time used by this process").register(registry);
        new JvmMemoryMetrics().bindTo(registry);
        gc.bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ClassLoaderMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        new FileDescriptorMetrics().bindTo(registry);
        Gauge.builder(IN_FLIGHT, inFlight, AtomicInteger::get).description("Requests being handled")
                .register(registry);
    }

    private static double cpuSeconds(OperatingSystemMXBean os) {
        return os instanceof com.sun.management.OperatingSystemMXBean sun ? sun.getProcessCpuTime() / 1e9 : Double.NaN;
    }

    /** Binds the Resilience4j registries (breaker state and calls, limiter permits, retry calls). */
    public void bind(CircuitBreakerRegistry breakers, RateLimiterRegistry limiters, RetryRegistry retries) {
        TaggedCircuitBreakerMetrics.ofCircuitBreakerRegistry(breakers).bindTo(registry);
        TaggedRateLimiterMetrics.ofRateLimiterRegistry(limiters).bindTo(registry);
        TaggedRetryMetrics.ofRetryRegistry(retries).bindTo(registry);
    }

    public AtomicInteger inFlight() {
        return inFlight;
    }

    /** The request and attempt timers of one route, resolved once per method/status/outcome and then kept. */
    public RouteMeters route(String route) {
        return new RouteMeters(route);
    }

    /** Per-route timers without a map lookup or string building on the request path. */
    public final class RouteMeters {
        private static final int STATUSES = 1000;
        private final String route;
        private final Map<String, AtomicReferenceArray<Timer>> requests = new ConcurrentHashMap<>();
        private final AtomicReferenceArray<Timer> attempts = new AtomicReferenceArray<>(STATUSES);

        private RouteMeters(String route) {
            this.route = route;
        }

        /** One request answered to a client. {@code status} 499: the client left first. */
        public void request(String method, int status, long nanos) {
            if (status < 0 || status >= STATUSES) {
                ProxyMetrics.this.request(route, method, status, nanos);
                return;
            }
            AtomicReferenceArray<Timer> byStatus = requests.get(method);
            if (byStatus == null) {
                byStatus = requests.computeIfAbsent(method, m -> new AtomicReferenceArray<>(STATUSES));
            }
            Timer t = byStatus.get(status);
            if (t == null) {
                t = requestTimer(route, method, status);
                byStatus.set(status, t);
            }
            t.record(nanos, TimeUnit.NANOSECONDS);
        }

        /** One attempt answered with {@code status}. */
        public void attempt(int status, long nanos) {
            if (status < 0 || status >= STATUSES) {
                ProxyMetrics.this.attempt(route, Integer.toString(status), nanos);
                return;
            }
            Timer t = attempts.get(status);
            if (t == null) {
                t = attemptTimer(route, Integer.toString(status));
                attempts.set(status, t);
            }
            t.record(nanos, TimeUnit.NANOSECONDS);
        }
    }

    /** One request answered to a client. {@code status} 499: the client left first. */
    public void request(String route, String method, int status, long nanos) {
        requestTimer(route, method, status).record(nanos, TimeUnit.NANOSECONDS);
    }

    private Timer requestTimer(String route, String method, int status) {
        return timer(REQUESTS, "Requests answered, by route, method and status", route, "method", method, "status",
                Integer.toString(status));
    }

    private Timer attemptTimer(String route, String outcome) {
        return timer(ATTEMPTS, "Upstream attempts, by route and outcome", route, "outcome", outcome, null, null);
    }

    /** One attempt sent upstream; {@code outcome} is the status code, or timeout, connect_error, reset. */
    public void attempt(String route, String outcome, long nanos) {
        attemptTimer(route, outcome).record(nanos, TimeUnit.NANOSECONDS);
    }

    public void retry(String route, String reason) {
        counter(RETRIES, "Retries sent upstream, by reason", route, "reason", reason).increment();
    }

    /** A failed attempt not retried though retries were left: {@code reason} no_idempotency_key. */
    public void retrySkipped(String route, String reason) {
        counter(RETRIES_SKIPPED, "Failed attempts not retried though retries were left, by reason", route, "reason",
                reason).increment();
    }

    public void timeout(String route) {
        counter(TIMEOUTS, "Upstream attempts that timed out", route, null, null).increment();
    }

    public void breakerRejection(String route) {
        counter(BREAKER_REJECTIONS, "Requests answered 503 by an open circuit breaker", route, null, null).increment();
    }

    public void rateLimited(String route) {
        counter(RATE_LIMITED, "Requests answered 429 by the rate limiter", route, null, null).increment();
    }

    public void connectionError(String route, String kind) {
        counter(CONNECTION_ERRORS, "Upstream connections refused or reset", route, "kind", kind).increment();
    }

    private Timer timer(String name, String description, String route, String k1, String v1, String k2, String v2) {
        String key = name + '|' + route + '|' + v1 + '|' + v2;
        return (Timer) meters.computeIfAbsent(key, k -> {
            Timer.Builder b = Timer.builder(name).description(description).tag("route", route).tag(k1, v1)
                    .publishPercentileHistogram().minimumExpectedValue(Duration.ofMillis(1))
                    .maximumExpectedValue(Duration.ofSeconds(60));
            if (k2 != null) {
                b.tag(k2, v2);
            }
            return b.register(registry);
        });
    }

    private Counter counter(String name, String description, String route, String k, String v) {
        String key = name + '|' + route + '|' + v;
        return (Counter) meters.computeIfAbsent(key, x -> {
            Counter.Builder b = Counter.builder(name).description(description).tag("route", route);
            if (k != null) {
                b.tag(k, v);
            }
            return b.register(registry);
        });
    }

    /** The exposition: OpenMetrics when asked for, else Prometheus text 0.0.4. */
    public String[] scrape(String accept) {
        boolean om = accept != null && accept.contains("application/openmetrics-text");
        String type = om ? "application/openmetrics-text; version=1.0.0; charset=utf-8"
                : "text/plain; version=0.0.4; charset=utf-8";
        return new String[] {type, registry.scrape(type)};
    }

    @Override
    public void close() {
        gc.close();
        registry.close();
        clock.close();
    }

    /**
     * Micrometer's clock, with the wall time read from a field that a daemon thread refreshes every 100 ms. Timers
     * read the wall time only to rotate their time windows (the max and the histogram's window, 40 s each here) and
     * it is not exported, so a tenth of a second is exact enough; what it saves is four clock reads per request
     * (two timers, two windows each). Durations themselves are measured by the callers with {@link System#nanoTime()}.
     */
    static final class CoarseClock implements Clock, AutoCloseable {
        private volatile long wall = System.currentTimeMillis();
        private final java.util.concurrent.ScheduledExecutorService ticker =
                java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> {
                    Thread t = new Thread(r, "metrics-clock");
                    t.setDaemon(true);
                    return t;
                });

        CoarseClock() {
            ticker.scheduleAtFixedRate(() -> wall = System.currentTimeMillis(), 100, 100, TimeUnit.MILLISECONDS);
        }

        @Override
        public long wallTime() {
            return wall;
        }

        @Override
        public long monotonicTime() {
            return System.nanoTime();
        }

        @Override
        public void close() {
            ticker.shutdownNow();
        }
    }
}
