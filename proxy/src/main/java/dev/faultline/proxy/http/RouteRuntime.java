package dev.faultline.proxy.http;

import dev.faultline.proxy.config.ProxyConfig.Route;
import dev.faultline.proxy.telemetry.ProxyMetrics;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.github.resilience4j.core.IntervalFunction;
import io.github.resilience4j.ratelimiter.RateLimiter;
import io.github.resilience4j.ratelimiter.RateLimiterConfig;
import io.github.resilience4j.ratelimiter.RateLimiterRegistry;
import io.github.resilience4j.ratelimiter.internal.AtomicRateLimiter;
import io.github.resilience4j.retry.Retry;
import io.github.resilience4j.retry.RetryConfig;
import io.github.resilience4j.retry.RetryRegistry;
import java.time.Duration;
import java.util.Optional;

/**
 * A route with its Resilience4j primitives: a circuit breaker that opens after {@code maxError} consecutive failed
 * attempts (count window of that size, 100 % failure threshold) and lets one trial through after
 * {@code rejectionPeriod}; a limiter of {@code maxAmount} permits per {@code expiration}; a retry of
 * {@code 1 + maxRetry} attempts with jittered exponential backoff.
 */
final class RouteRuntime {
    final Route route;
    final Optional<CircuitBreaker> breaker;
    final Optional<RateLimiter> limiter;
    final Retry retry;
    final ProxyMetrics.RouteMeters meters;

    RouteRuntime(Route route, CircuitBreakerRegistry breakers, RateLimiterRegistry limiters, RetryRegistry retries,
                 ProxyMetrics metrics) {
        this.route = route;
        this.meters = metrics.route(route.name());
        String name = route.name();
        this.breaker = route.circuitBreaking().map(cb -> breakers.circuitBreaker(name, CircuitBreakerConfig.custom()
                .slidingWindowType(CircuitBreakerConfig.SlidingWindowType.COUNT_BASED)
                .slidingWindowSize(cb.maxError())
                .minimumNumberOfCalls(cb.maxError())
                .failureRateThreshold(100)
                .waitDurationInOpenState(cb.rejectionPeriod())
                .permittedNumberOfCallsInHalfOpenState(1)
                .automaticTransitionFromOpenToHalfOpenEnabled(false)
                .recordExceptions(Throwable.class)
                .recordResult(r -> r instanceof Integer status && status >= 500)
                .build()));
        this.limiter = route.rateLimiting().map(rl -> limiters.rateLimiter(name, RateLimiterConfig.custom()
                .limitForPeriod(rl.maxAmount())
                .limitRefreshPeriod(rl.expiration())
                .timeoutDuration(Duration.ZERO)
                .build()));
        Duration backoff = route.retryBackoff().isZero() ? Duration.ofMillis(1) : route.retryBackoff();
        this.retry = retries.retry(name, RetryConfig.<Integer>custom()
                .maxAttempts(1 + route.maxRetry())
                .intervalFunction(IntervalFunction.ofExponentialRandomBackoff(backoff, 2.0, 0.5))
                .retryOnResult(status -> status != null && status >= 500)
                .retryOnException(t -> true)
                .failAfterMaxAttempts(false)
                .build());
    }

    /** Seconds until an open breaker lets a trial through (at least 1), for {@code Retry-After}. */
    long breakerRetryAfterSeconds() {
        return Math.max(1, route.circuitBreaking().map(cb -> (cb.rejectionPeriod().toMillis() + 999) / 1000).orElse(1L));
    }

    /** Seconds until the limiter's next refresh (at least 1), for {@code Retry-After}. */
    long limiterRetryAfterSeconds() {
        return limiter.filter(l -> l instanceof AtomicRateLimiter).map(l -> {
            long nanos = ((AtomicRateLimiter) l).getDetailedMetrics().getNanosToWait();
            return Math.max(1, (nanos + 999_999_999L) / 1_000_000_000L);
        }).orElse(1L);
    }
}
