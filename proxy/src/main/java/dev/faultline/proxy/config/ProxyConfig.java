package dev.faultline.proxy.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.YAMLException;

/** The proxy's configuration: one YAML file, parsed and validated once, defaults in one place. */
public record ProxyConfig(String host, int port, boolean accessLog, Metrics metrics, Tracing tracing, Limits limits,
                          List<Route> paths) {

    /** Prometheus exposition on its own listener. */
    public record Metrics(String host, int port, String path) {
    }

    /** Trace propagation and export. */
    public record Tracing(Optional<String> samplingServer, Optional<String> otlpEndpoint, double samplingRatio,
                          String serviceName) {
    }

    /** Bounds on what clients and upstreams may cost. */
    public record Limits(int maxHeaderBytes, long maxBodyBytes, int replayBufferBytes, Duration idleTimeout,
                         Duration requestTimeout, Duration shutdownTimeout, int maxConnectionsPerRoute,
                         int maxInFlight, Duration headerTimeout) {
    }

    /** One route: which requests, where they go, and how they are protected. */
    public record Route(int index, String path, Optional<String> method, String forwardHost, int forwardPort,
                        int maxRetry, boolean retryNonIdempotent, boolean addIdempotencyKey, Duration timeout,
                        Duration retryBackoff,
                        Optional<CircuitBreaking> circuitBreaking, Optional<RateLimiting> rateLimiting) {

        /** The label used for this route in metrics and logs: its path pattern. */
        public String name() {
            return path;
        }

        /** {@code *} matches any suffix; otherwise the path must match exactly. */
        public boolean matches(String requestPath, String requestMethod) {
            if (method.isPresent() && !method.get().equals(requestMethod)) {
                return false;
            }
            if (path.endsWith("*")) {
                return requestPath.startsWith(path.substring(0, path.length() - 1));
            }
            return requestPath.equals(path);
        }
    }

    public record CircuitBreaking(int maxError, Duration rejectionPeriod) {
    }

    public record RateLimiting(int maxAmount, Duration expiration) {
    }

    private static final Set<String> METHODS =
            Set.of("GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE");

    /** Reads and validates a file; every problem is a {@link ConfigException} naming the key and the value. */
    public static ProxyConfig load(Path file) {
        String text;
        try {
            text = Files.readString(file);
        } catch (NoSuchFileException e) {
            throw new ConfigException(file + ": no such file");
        } catch (IOException e) {
            throw new ConfigException(file + ": cannot be read (" + e.getMessage() + ")");
        }
        return parse(text, file.toString());
    }

    public static ProxyConfig parse(String yaml, String source) {
        LoaderOptions options = new LoaderOptions();
        options.setAllowDuplicateKeys(false);
        options.setMaxAliasesForCollections(20);
        options.setCodePointLimit(1 << 20);
        Object tree;
        try {
            tree = new Yaml(new SafeConstructor(options)).load(yaml);
        } catch (YAMLException e) {
            String m = String.valueOf(e.getMessage()).lines().filter(l -> !l.isBlank()).findFirst().orElse("");
            throw new ConfigException(source + ": not valid YAML: " + m.strip());
        }
        return from(Node.root(tree));
    }

    static ProxyConfig from(Node root) {
        root.rejectUnknown(Set.of("host", "port", "accessLog", "metrics", "tracing", "limits", "paths"));
        Node m = root.child("metrics");
        m.rejectUnknown(Set.of("host", "port", "path"));
        String metricsPath = m.string("path", "/metrics");
        if (!metricsPath.startsWith("/")) {
            throw new ConfigException(m.key("path") + ": \"" + metricsPath + "\" does not start with /");
        }
        Metrics metrics = new Metrics(m.string("host", "0.0.0.0"), m.integer("port", 9100, 0, 65535), metricsPath);
        Node t = root.child("tracing");
        t.rejectUnknown(Set.of("samplingServer", "otlpEndpoint", "samplingRatio", "serviceName"));
        Optional<String> otlp = Optional.ofNullable(t.string("otlpEndpoint", null));
        otlp.ifPresent(e -> {
            if (!e.startsWith("http://") && !e.startsWith("https://")) {
                throw new ConfigException(t.key("otlpEndpoint") + ": \"" + e + "\" is not an http:// or https:// URL");
            }
        });
        Tracing tracing = new Tracing(Optional.ofNullable(t.string("samplingServer", null)), otlp,
                t.fraction("samplingRatio", 1.0), t.string("serviceName", "faultline-proxy"));
        Node l = root.child("limits");
        l.rejectUnknown(Set.of("maxHeaderBytes", "maxBodyBytes", "replayBufferBytes", "idleTimeout", "requestTimeout",
                "shutdownTimeout", "maxConnectionsPerRoute", "maxInFlight", "headerTimeout"));
        Limits limits = new Limits(
                (int) l.bytes("maxHeaderBytes", 16 << 10, 1 << 10, 1 << 20),
                l.bytes("maxBodyBytes", 10 << 20, 0, 1L << 32),
                (int) l.bytes("replayBufferBytes", 64 << 10, 0, 64 << 20),
                l.duration("idleTimeout", Duration.ofSeconds(60), Duration.ofSeconds(1), Duration.ofHours(1)),
                l.duration("requestTimeout", Duration.ofSeconds(30), Duration.ofMillis(100), Duration.ofHours(1)),
                l.duration("shutdownTimeout", Duration.ofSeconds(10), Duration.ZERO, Duration.ofMinutes(10)),
                l.integer("maxConnectionsPerRoute", 256, 1, 100_000),
                l.integer("maxInFlight", 10_000, 1, 1_000_000),
                l.duration("headerTimeout", Duration.ofSeconds(10), Duration.ofMillis(100), Duration.ofHours(1)));
        List<Route> routes = new ArrayList<>();
        for (Node r : root.list("paths")) {
            routes.add(route(routes.size(), r));
        }
        if (routes.isEmpty()) {
            throw new ConfigException("paths: at least one route is needed");
        }
        int port = root.integer("port", 8080, 0, 65535);
        return new ProxyConfig(root.string("host", "0.0.0.0"), port, root.bool("accessLog", true), metrics, tracing,
                limits, List.copyOf(routes));
    }

    private static Route route(int index, Node r) {
        r.rejectUnknown(Set.of("path", "method", "forwardHost", "forwardPort", "maxRetry", "retryNonIdempotent",
                "addIdempotencyKey", "timeout", "retryBackoff", "circuitBreaking", "rateLimiting"));
        String path = r.string("path", null);
        if (path == null) {
            throw new ConfigException(r.key("path") + ": is missing");
        }
        if (!path.startsWith("/")) {
            throw new ConfigException(r.key("path") + ": \"" + path + "\" does not start with /");
        }
        if (path.indexOf('*') >= 0 && path.indexOf('*') != path.length() - 1) {
            throw new ConfigException(r.key("path") + ": \"" + path + "\" may have * only at its end");
        }
        String method = r.string("method", "*").toUpperCase(Locale.ROOT);
        if (!method.equals("*") && !METHODS.contains(method)) {
            throw new ConfigException(r.key("method") + ": \"" + method + "\" is not an HTTP method or *");
        }
        if (!r.has("forwardPort")) {
            throw new ConfigException(r.key("forwardPort") + ": is missing");
        }
        Optional<CircuitBreaking> breaker = Optional.empty();
        if (r.has("circuitBreaking")) {
            Node b = r.child("circuitBreaking");
            b.rejectUnknown(Set.of("maxError", "rejectionPeriod"));
            breaker = Optional.of(new CircuitBreaking(b.integer("maxError", 5, 1, 10_000),
                    b.duration("rejectionPeriod", Duration.ofSeconds(5), Duration.ofMillis(1), Duration.ofHours(1))));
        }
        Optional<RateLimiting> limiter = Optional.empty();
        if (r.has("rateLimiting")) {
            Node q = r.child("rateLimiting");
            q.rejectUnknown(Set.of("maxAmount", "expiration"));
            if (!q.has("maxAmount")) {
                throw new ConfigException(q.key("maxAmount") + ": is missing");
            }
            limiter = Optional.of(new RateLimiting(q.integer("maxAmount", 0, 1, 1_000_000_000),
                    q.duration("expiration", Duration.ofSeconds(1), Duration.ofMillis(1), Duration.ofHours(24))));
        }
        boolean retryNonIdempotent = r.bool("retryNonIdempotent", false);
        boolean addKey = r.bool("addIdempotencyKey", false);
        if (addKey && !retryNonIdempotent) {
            throw new ConfigException(r.key("addIdempotencyKey") + ": true needs retryNonIdempotent: true (the key"
                    + " only serves retries of non-idempotent requests)");
        }
        return new Route(index, path, method.equals("*") ? Optional.empty() : Optional.of(method),
                r.string("forwardHost", "127.0.0.1"), r.integer("forwardPort", 0, 1, 65535),
                r.integer("maxRetry", 0, 0, 10), retryNonIdempotent, addKey,
                r.duration("timeout", Duration.ofSeconds(15), Duration.ofMillis(1), Duration.ofHours(1)),
                r.duration("retryBackoff", Duration.ofMillis(25), Duration.ZERO, Duration.ofSeconds(10)),
                breaker, limiter);
    }

    /** A copy with listener ports replaced (the --port / --metrics-port overrides). */
    public ProxyConfig withPorts(Optional<Integer> newPort, Optional<Integer> newMetricsPort) {
        return new ProxyConfig(host, newPort.orElse(port), accessLog,
                new Metrics(metrics.host(), newMetricsPort.orElse(metrics.port()), metrics.path()),
                tracing, limits, paths);
    }
}
