package dev.faultline.harness.stack;

import dev.faultline.chaos.backend.FaultBackend;
import dev.faultline.perf.prom.PrometheusServer;
import dev.faultline.runtime.process.PidFiles;
import eu.rekawek.toxiproxy.Proxy;
import eu.rekawek.toxiproxy.ToxiproxyClient;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The system under test on loopback, every port chosen at run time:
 * <pre>
 *   client -> [edge link] -> proxy -> [upstream link] -> wordgame-server
 * </pre>
 * The links live in the fault backend (embedded by default); the proxy and the word-game server are child JVMs
 * started from their jars, with their logs in the run directory. {@link #close()} (also run by a shutdown hook,
 * so Ctrl-C and failures clean up) stops everything in reverse order. Every child process dies with this JVM even
 * when it is killed with SIGKILL (no hook runs then), and has a pid file in {@code <runDir>/pids/} that the next
 * run's {@link PidFiles#sweep} acts on should it still be running.
 */
public final class Stack implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Stack.class);
    private static final Duration HEALTH_DEADLINE = Duration.ofSeconds(60);

    /**
     * What to start. {@code proxyRoute} is the YAML of the proxy's one route, without path and forwardPort;
     * {@code tls}, when present, gives the word-game server a TLS listener too (with a {@code tls-edge} link in
     * front of it) configured so.
     */
    public record Options(Path repoRoot, Path runDir, String faultBackend, String proxyRoute, List<String> jvmArgs,
                          java.util.Optional<TlsListener> tls) {
        public Options(Path repoRoot, Path runDir, String faultBackend, String proxyRoute, List<String> jvmArgs) {
            this(repoRoot, runDir, faultBackend, proxyRoute, jvmArgs, java.util.Optional.empty());
        }

        public static Options defaults(Path repoRoot, Path runDir) {
            return new Options(repoRoot, runDir, "embedded", """
                      maxRetry: 2
                      retryNonIdempotent: false
                      timeout: 1s
                      circuitBreaking: {maxError: 5, rejectionPeriod: 5s}
                      rateLimiting: {maxAmount: 2000, expiration: 1s}
                    """, List.of("-Xmx512m"), java.util.Optional.empty());
        }

        public Options withTls(java.util.Optional<TlsListener> listener) {
            return new Options(repoRoot, runDir, faultBackend, proxyRoute, jvmArgs, listener);
        }
    }

    /**
     * The word-game server's TLS listener: key type (rsa2048, rsa4096, ecdsa-p256), TLS versions, and its start-up
     * warm-up handshakes (-1: the server's default).
     */
    public record TlsListener(String key, String protocols, int warmup) {
        public TlsListener(String key, String protocols) {
            this(key, protocols, -1);
        }
    }

    private final Options options;
    private final List<AutoCloseable> started = new ArrayList<>();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final Thread hook = new Thread(this::close, "stack-shutdown");
    private FaultBackend faults;
    private ChildProcess wordgame;
    private ChildProcess proxy;
    private int wordgamePort;
    private int wordgameAdminPort;
    private int wordgameTlsPort;
    private TlsListener tls;
    private Proxy tlsEdge;
    private Keystores keystores;
    private int proxyPort;
    private int proxyMetricsPort;
    private Proxy edge;
    private Proxy upstream;
    private PrometheusServer prometheus;
    private String prometheusUrl;
    private String metricsSource;

    private Stack(Options options) {
        this.options = options;
    }

    /** Brings the stack up, healthy, or throws (having stopped whatever it had started). */
    public static Stack start(Options options) throws IOException {
        Stack s = new Stack(options);
        Runtime.getRuntime().addShutdownHook(s.hook);
        try {
            s.up();
        } catch (IOException | RuntimeException e) {
            s.close();
            throw e;
        }
        return s;
    }

    private void up() throws IOException {
        Path logs = options.runDir().resolve("logs");
        Files.createDirectories(logs);
        faults = FaultBackend.open(options.faultBackend());
        started.add(faults);
        proxyPort = freePort();
        proxyMetricsPort = freePort();
        ToxiproxyClient client = faults.client();
        if (options.tls().isPresent()) {
            keystores = new Keystores(options.runDir().resolve("tls"));
            tls = options.tls().get();
        }
        startWordgame(); // on ports it picks and reports (--port 0, --port-file)
        upstream = client.createProxy("upstream", "127.0.0.1:0", "127.0.0.1:" + wordgamePort);
        startProxy(options.proxyRoute());
        // links listen on ports picked now: after every port chosen with freePort() is bound
        edge = client.createProxy("edge", "127.0.0.1:0", "127.0.0.1:" + proxyPort);
        if (tls != null) {
            tlsEdge = client.createProxy("tls-edge", "127.0.0.1:0", "127.0.0.1:" + wordgameTlsPort);
        }
        startPrometheus();
        LOG.info("stack up: edge {} -> proxy {} -> upstream {} -> wordgame {}", edgeUrl(), proxyUrl(),
                upstream.getListen(), wordgameUrl());
    }

    /**
     * Server-side metrics: {@code PROMETHEUS_URL} (a Prometheus the user runs, which must scrape
     * {@code prometheus-targets.json} written into the run directory), else a Prometheus started for the run when
     * one is installed ({@code PROMETHEUS_BIN} or {@code prometheus} on PATH) unless {@code -Dprometheus=false},
     * else none: the run falls back to /metrics snapshots and its report says why.
     */
    private void startPrometheus() throws IOException {
        String external = System.getenv("PROMETHEUS_URL");
        Path dir = options.runDir().resolve("prometheus");
        if (external != null && !external.isBlank()) {
            Files.createDirectories(dir);
            io.vertx.core.json.JsonArray sd = new io.vertx.core.json.JsonArray();
            metricsTargets().forEach((job, url) -> sd.add(new io.vertx.core.json.JsonObject()
                    .put("targets", new io.vertx.core.json.JsonArray().add(url.replaceFirst("^http://", "").replaceFirst("/.*", "")))
                    .put("labels", new io.vertx.core.json.JsonObject().put("job", job)
                            .put("__metrics_path__", url.replaceFirst("^http://[^/]+", "")))));
            Files.writeString(options.runDir().resolve("prometheus-targets.json"), sd.encodePrettily());
            prometheusUrl = external;
            metricsSource = "Prometheus at PROMETHEUS_URL " + external;
            return;
        }
        if ("false".equals(System.getProperty("prometheus"))) {
            metricsSource = "/metrics snapshots at phase boundaries (Prometheus switched off with -Dprometheus=false)";
            return;
        }
        Path bin = PrometheusServer.find();
        if (bin == null) {
            metricsSource = "/metrics snapshots at phase boundaries (no Prometheus installed: PROMETHEUS_BIN, PATH)";
            LOG.warn("no prometheus found (PROMETHEUS_BIN, PATH): server-side numbers come from /metrics snapshots");
            return;
        }
        try {
            Map<String, String> targets = new LinkedHashMap<>();
            metricsTargets().forEach((job, url) -> targets.put(job, url.replaceFirst("^http://", "")));
            prometheus = PrometheusServer.start(bin, dir, targets);
            started.add(prometheus);
            PidFiles.write(options.runDir(), "prometheus", prometheus.process());
            started.add(() -> PidFiles.remove(options.runDir(), "prometheus"));
            prometheusUrl = prometheus.url();
            metricsSource = "Prometheus started for the run (" + bin + ", 1 s scrape) at " + prometheusUrl;
        } catch (IOException e) {
            metricsSource = "/metrics snapshots at phase boundaries (Prometheus failed to start: " + e.getMessage() + ")";
            LOG.warn("prometheus failed to start: {}; falling back to /metrics snapshots", e.getMessage());
        }
    }

    /**
     * Starts the word-game server: the first time on ports it picks itself (0) and reports in a port file, after a
     * restart on the same ports (the links keep pointing at it); its admin API on a loopback port of its own, so
     * that nothing reaching it through the proxy can change its faults.
     */
    private void startWordgame() throws IOException {
        Path portFile = options.runDir().resolve("wordgame-ports.json");
        Files.deleteIfExists(portFile);
        List<String> args = new ArrayList<>(List.of("--host", "127.0.0.1", "--port", Integer.toString(wordgamePort),
                "--admin-port", "0", "--port-file", portFile.toString(), "--access-log=false"));
        if (tls != null) {
            // throwaway keys made for this run (Keystores); the password is no secret
            args.addAll(List.of("--tls-port", Integer.toString(wordgameTlsPort),
                    "--tls-keystore", keystores.path(tls.key()).toString(),
                    "--tls-keystore-password", Keystores.PASSWORD, "--tls-protocols", tls.protocols()));
            if (tls.warmup() >= 0) {
                args.addAll(List.of("--tls-warmup", Integer.toString(tls.warmup())));
            }
        }
        wordgame = ChildProcess.startJar("wordgame-server", jar("wordgame-server"), childJvmArgs(), args,
                options.runDir().resolve("logs").resolve("wordgame-server.log"));
        started.add(wordgame);
        wordgame.recordPid(options.runDir());
        io.vertx.core.json.JsonObject ports = new io.vertx.core.json.JsonObject(
                wordgame.awaitFile(portFile, HEALTH_DEADLINE));
        wordgamePort = ports.getInteger("port");
        wordgameAdminPort = ports.getInteger("adminPort");
        if (tls != null) {
            wordgameTlsPort = ports.getInteger("tlsPort");
        }
        // the port file is written once every listener is up and the server is ready: no /health poll, which a
        // restart under a TLS storm could not get answered in time through event loops busy with handshakes
    }

    /** The TLS listener now in force, or null. */
    public synchronized TlsListener tls() {
        return tls;
    }

    /**
     * Restarts the word-game server with its TLS listener configured as {@code listener}, on the same ports (the
     * links keep pointing at it). Connections open at that moment are cut; its counters start from zero.
     */
    public synchronized void restartWordgame(TlsListener listener) throws IOException {
        if (tls == null) {
            throw new IllegalStateException("the stack was started without a TLS listener");
        }
        if (wordgame != null) {
            started.remove(wordgame);
            wordgame.close();
        }
        tls = listener;
        startWordgame();
    }

    /** Component (Prometheus job) -> its /metrics URL. */
    public Map<String, String> metricsTargets() {
        Map<String, String> t = new LinkedHashMap<>();
        t.put("wordgame", wordgameUrl() + "/metrics");
        t.put("proxy", proxyMetricsUrl());
        t.put("chaos", faults.apiUrl().replaceFirst("/+$", "") + "/metrics");
        return t;
    }

    /** The Prometheus this run's numbers come from, or null (snapshots). */
    public String prometheusUrl() {
        return prometheusUrl;
    }

    /** Where the server-side numbers come from, in words, for the report. */
    public String metricsSource() {
        return metricsSource;
    }

    /** The JVMs to profile: component -> pid (the proxy's changes when it restarts). */
    public synchronized Map<String, Long> jvms() {
        Map<String, Long> out = new LinkedHashMap<>();
        if (wordgame != null) {
            out.put("wordgame", wordgame.pid());
        }
        if (proxy != null) {
            out.put("proxy", proxy.pid());
        }
        return out;
    }

    private void startProxy(String route) throws IOException {
        Path config = options.runDir().resolve("proxy.yml");
        Files.writeString(config, "host: 127.0.0.1\nport: " + proxyPort + "\naccessLog: false\n"
                + "metrics: {host: 127.0.0.1, port: " + proxyMetricsPort + "}\n"
                + "paths:\n- path: \"/*\"\n  forwardPort: " + port(upstream.getListen()) + "\n" + route);
        proxy = ChildProcess.startJar("proxy", jar("proxy"), childJvmArgs(),
                List.of("--config", config.toString()), options.runDir().resolve("logs").resolve("proxy.log"));
        started.add(proxy);
        proxy.recordPid(options.runDir());
        proxy.awaitHealthy(proxyMetricsUrl(), HEALTH_DEADLINE);
        proxy.awaitHealthy(proxyUrl() + "/health", HEALTH_DEADLINE);
    }

    /** Replaces the proxy with one configured for {@code route}, on the same ports (the edge link keeps pointing at it). */
    public synchronized void restartProxy(String route) throws IOException {
        if (proxy != null) {
            started.remove(proxy);
            proxy.close();
        }
        startProxy(route);
    }

    /** The configured JVM options plus a marker naming the run, so a run's processes can be found by command line. */
    private List<String> childJvmArgs() {
        List<String> args = new ArrayList<>(options.jvmArgs());
        args.add("-Dfaultline.run=" + options.runDir().toAbsolutePath());
        return args;
    }

    private Path jar(String module) {
        return options.repoRoot().resolve(module).resolve("target").resolve(module + ".jar");
    }

    static int freePort() {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static int port(String listen) {
        return Integer.parseInt(listen.substring(listen.lastIndexOf(':') + 1));
    }

    /** Where the load goes: the edge link in front of the proxy. */
    public String edgeUrl() {
        return "http://127.0.0.1:" + port(edge.getListen());
    }

    public String proxyUrl() {
        return "http://127.0.0.1:" + proxyPort;
    }

    public String proxyMetricsUrl() {
        return "http://127.0.0.1:" + proxyMetricsPort + "/metrics";
    }

    public String wordgameUrl() {
        return "http://127.0.0.1:" + wordgamePort;
    }

    /** The word-game server's admin API (its own loopback listener): {@code <url>/admin/faults}. */
    public synchronized String wordgameAdminUrl() {
        return "http://127.0.0.1:" + wordgameAdminPort;
    }

    /** Where TLS load goes: the {@code tls-edge} link in front of the server's TLS listener. */
    public String tlsEdgeUrl() {
        if (tlsEdge == null) {
            throw new IllegalStateException("the stack was started without a TLS listener");
        }
        return "https://127.0.0.1:" + port(tlsEdge.getListen());
    }

    public String faultApiUrl() {
        return faults.apiUrl();
    }

    /** A link by name: {@code edge} (client to proxy) or {@code upstream} (proxy to server). */
    public Proxy link(String name) {
        return switch (name) {
            case "edge" -> edge;
            case "upstream" -> upstream;
            case "tls-edge" -> {
                if (tlsEdge == null) {
                    throw new IllegalArgumentException("no link \"tls-edge\": the stack has no TLS listener");
                }
                yield tlsEdge;
            }
            default -> throw new IllegalArgumentException("no link \"" + name + "\" (links: edge, upstream, tls-edge)");
        };
    }

    public List<ChildProcess> children() {
        List<ChildProcess> out = new ArrayList<>();
        if (wordgame != null) {
            out.add(wordgame);
        }
        if (proxy != null) {
            out.add(proxy);
        }
        return out;
    }

    /** Stops the proxy, the server and the fault backend, in that order; safe to call more than once. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        for (int i = started.size() - 1; i >= 0; i--) {
            try {
                started.get(i).close();
            } catch (Exception e) {
                LOG.warn("stopping {} failed: {}", started.get(i), e.toString());
            }
        }
        if (Thread.currentThread() != hook) {
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException e) {
                // already shutting down
            }
        }
    }
}
