package dev.faultline.proxy.http;

import dev.faultline.proxy.config.ProxyConfig;
import dev.faultline.proxy.config.ProxyConfig.Route;
import dev.faultline.proxy.telemetry.ProxyMetrics;
import dev.faultline.proxy.telemetry.Tracing;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFactory;
import io.netty.channel.EventLoop;
import io.opentelemetry.context.propagation.TextMapPropagator;
import java.net.ConnectException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the requests of the proxy share: the configuration, the routes with their Resilience4j primitives, the
 * meters and tracing, and per event loop the upstream pools and the attempt-timeout lanes. Each request is an
 * {@link Exchange} made here; the request path reads and writes HTTP/1.1 bytes ({@link HttpReader},
 * {@link HeadBuilder}).
 */
final class Forwarder {
    private static final Logger LOG = LoggerFactory.getLogger(Forwarder.class);

    final ProxyConfig config;
    final List<RouteRuntime> routes;
    final ProxyMetrics metrics;
    final ProxyMetrics.RouteMeters unmatched;
    final Tracing tracing;
    final TextMapPropagator propagator;
    final AtomicBoolean accepting;
    private final ChannelFactory<? extends Channel> channels;
    private final Map<EventLoop, Map<String, UpstreamPool>> pools = new ConcurrentHashMap<>();
    private final Map<EventLoop, Map<Long, Deadlines>> lanes = new ConcurrentHashMap<>();

    Forwarder(ProxyConfig config, List<RouteRuntime> routes, ProxyMetrics metrics, Tracing tracing,
              AtomicBoolean accepting, ChannelFactory<? extends Channel> channels) {
        this.config = config;
        this.routes = routes;
        this.metrics = metrics;
        this.unmatched = metrics.route("unmatched");
        this.tracing = tracing;
        this.propagator = tracing.propagator();
        this.accepting = accepting;
        this.channels = channels;
    }

    /** The upstream pools of one event loop (used only on it). */
    Map<String, UpstreamPool> pools(EventLoop loop) {
        return pools.computeIfAbsent(loop, l -> new HashMap<>());
    }

    /** Closes every idle upstream connection (shutdown); each pool on its own event loop. */
    void closeIdleUpstreams() {
        pools.forEach((loop, byAddress) -> loop.execute(() -> byAddress.values().forEach(UpstreamPool::closeIdle)));
    }

    UpstreamPool pool(ClientConnection conn, Route route) {
        int slot = route.index();
        UpstreamPool[] byRoute = conn.poolByRoute;
        if (slot >= 0 && slot < byRoute.length && byRoute[slot] != null) {
            return byRoute[slot];
        }
        String key = route.forwardHost() + ':' + route.forwardPort();
        UpstreamPool p = conn.pools.get(key);
        if (p == null) {
            long connectTimeout = routes.stream().map(r -> r.route)
                    .filter(r -> r.forwardHost().equals(route.forwardHost()) && r.forwardPort() == route.forwardPort())
                    .mapToLong(r -> r.timeout().toMillis()).max().orElse(route.timeout().toMillis());
            p = new UpstreamPool(conn.channel.eventLoop(), channels, route.forwardHost(), route.forwardPort(),
                    (int) Math.min(Integer.MAX_VALUE, connectTimeout), config.limits().maxConnectionsPerRoute(),
                    config.limits().maxInFlight(), config.limits().maxHeaderBytes(),
                    config.limits().idleTimeout().toMillis());
            conn.pools.put(key, p);
        }
        if (slot >= 0 && slot < byRoute.length) {
            byRoute[slot] = p;
        }
        return p;
    }

    /** The attempt timeouts of {@code route} on the connection's event loop. */
    Deadlines lane(ClientConnection conn, Route route) {
        int slot = route.index();
        Deadlines[] byRoute = conn.laneByRoute;
        if (slot >= 0 && slot < byRoute.length && byRoute[slot] != null) {
            return byRoute[slot];
        }
        Deadlines lane = lane(conn.channel.eventLoop(), route.timeout().toNanos());
        if (slot >= 0 && slot < byRoute.length) {
            byRoute[slot] = lane;
        }
        return lane;
    }

    /** The timeouts of {@code nanos} on {@code loop} (attempts and request heads alike; used only on that loop). */
    Deadlines lane(EventLoop loop, long nanos) {
        return lanes.computeIfAbsent(loop, l -> new HashMap<>()).computeIfAbsent(nanos, n -> new Deadlines(loop, n));
    }

    int routeCount() {
        return routes.size();
    }

    Exchange exchange(ClientConnection conn, Head req) {
        return new Exchange(this, conn, req);
    }

    static String truncate(String s) {
        return s.length() <= 200 ? s : s.substring(0, 200) + "…";
    }

    /** The path of a request target (origin or absolute form), without query. */
    static String pathOf(String uri) {
        int start = 0;
        if (!uri.startsWith("/")) {
            int scheme = uri.indexOf("://");
            if (scheme < 0) {
                return uri;
            }
            start = uri.indexOf('/', scheme + 3);
            if (start < 0) {
                return "/";
            }
        }
        int end = uri.length();
        for (int i = start; i < uri.length(); i++) {
            char c = uri.charAt(i);
            if (c == '?' || c == '#') {
                end = i;
                break;
            }
        }
        return start == 0 && end == uri.length() ? uri : uri.substring(start, end);
    }


    static boolean validId(String id) {
        return dev.faultline.runtime.text.Tokens.visibleAscii(id, 128);
    }

    static String kind(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof TimeoutException || c instanceof io.netty.channel.ConnectTimeoutException) {
                return "timeout";
            }
            if (c instanceof ConnectException) {
                return "connect_error";
            }
        }
        String m = String.valueOf(t.getMessage()).toLowerCase(java.util.Locale.ROOT);
        if (m.contains("timeout") || m.contains("timed out")) {
            return "timeout";
        }
        if (m.contains("refused")) {
            return "connect_error";
        }
        return "reset";
    }

    static void logStartupWarning(String message) {
        LOG.warn(message);
    }
}
