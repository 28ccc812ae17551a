package dev.faultline.harness.run;

import dev.faultline.harness.experiment.Experiment;
import dev.faultline.harness.experiment.ExperimentLoader;
import dev.faultline.harness.stack.Stack;
import dev.faultline.harness.verdict.PhaseStats;
import dev.faultline.harness.verdict.TimeSeries;
import dev.faultline.perf.profile.PhaseProfiles;
import dev.faultline.perf.prom.ServerMetrics;
import dev.faultline.harness.verdict.Verdict;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One experiment run on a suite's stack: moves through the phases on a clock (applying and clearing faults,
 * writing each boundary into the timeline), attributes every request to the phase it started in, and at the end
 * judges the hypotheses and writes {@code timeline.json} and {@code verdicts.json} into the run directory.
 */
public final class ExperimentRun {
    private static final Logger LOG = LoggerFactory.getLogger(ExperimentRun.class);
    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss").withZone(ZoneOffset.UTC);

    private final Experiment experiment;
    private final Path repoRoot;
    private final Path runDir;
    private final Map<String, PhaseStats> stats = new LinkedHashMap<>();
    private final JsonArray timeline = new JsonArray();
    private final ScheduledExecutorService clock = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "phase-clock");
        t.setDaemon(true);
        return t;
    });
    private final TimeSeries series = new TimeSeries();
    private final ProcessCpu cpu = new ProcessCpu();
    private final RequestAccounting accounting = new RequestAccounting();
    private LoadMonitor monitor;
    private final boolean accounts;
    private Stack stack;
    private FaultApplier faults;
    private PhaseProfiles profiles;
    private ServerMetrics server;
    private volatile long startMillis;
    private volatile String failure;

    public ExperimentRun(Experiment experiment, Path repoRoot) {
        this.experiment = experiment;
        this.repoRoot = repoRoot;
        this.runDir = repoRoot.resolve("reports").resolve("runs")
                .resolve(STAMP.format(Instant.now()) + "-" + experiment.name());
        for (Experiment.Phase p : experiment.phases()) {
            stats.put(p.name(), new PhaseStats());
        }
        this.accounts = experiment.phases().stream().flatMap(p -> p.hypotheses().stream())
                .anyMatch(h -> h instanceof Experiment.ExactlyOnce);
    }

    public Experiment experiment() {
        return experiment;
    }

    public Path runDir() {
        return runDir;
    }

    /** The stack options for this experiment: its proxy settings, or the defaults. */
    Stack.Options stackOptions(Path root, Path dir) {
        Stack.Options defaults = Stack.Options.defaults(root, dir);
        return new Stack.Options(root, dir, System.getProperty("faults", defaults.faultBackend()), proxyRoute(),
                defaults.jvmArgs(), tlsListener(0));
    }

    /** The server's TLS listener during a phase (TLS target only). */
    java.util.Optional<Stack.TlsListener> tlsListener(int phaseIndex) {
        return experiment.target() != Experiment.Target.TLS ? java.util.Optional.empty()
                : experiment.tlsAt(phaseIndex).map(t -> new Stack.TlsListener(t.key(), t.protocols(), t.warmup()));
    }

    /** The YAML lines of the proxy route this experiment wants. */
    String proxyRoute() {
        return experiment.proxy().isEmpty() ? Stack.Options.defaults(repoRoot, runDir).proxyRoute()
                : proxyRoute(experiment.proxy());
    }

    /** Runs on a stack someone else owns (a suite's). */
    void attach(Stack shared) {
        this.stack = shared;
        this.faults = new FaultApplier(shared);
        this.profiles = new PhaseProfiles(runDir.resolve("profiles"), !"false".equals(System.getProperty("profile")));
        this.server = new ServerMetrics(shared.prometheusUrl(), shared.metricsSource(), shared.metricsTargets());
        try {
            Files.createDirectories(runDir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** When this run's first phase began (0: not yet). */
    long startMillis() {
        return startMillis;
    }

    /** The experiment's proxy settings as the YAML lines of the proxy's route (validated by the proxy itself). */
    static String proxyRoute(Map<String, Object> settings) {
        org.yaml.snakeyaml.DumperOptions o = new org.yaml.snakeyaml.DumperOptions();
        o.setDefaultFlowStyle(org.yaml.snakeyaml.DumperOptions.FlowStyle.FLOW);
        StringBuilder sb = new StringBuilder();
        for (Map.Entry<String, Object> e : settings.entrySet()) {
            sb.append("  ").append(e.getKey()).append(": ")
                    .append(new org.yaml.snakeyaml.Yaml(o).dump(e.getValue()).strip()).append('\n');
        }
        return sb.toString();
    }

    public String baseUrl() {
        return switch (experiment.target()) {
            case EDGE -> stack.edgeUrl();
            case PROXY -> stack.proxyUrl();
            case DIRECT -> stack.wordgameUrl();
            case TLS -> stack.tlsEdgeUrl();
        };
    }

    /** When a phase ends (epoch ms), once the run has begun; 0 before. */
    public long phaseEndMillis(int phaseIndex) {
        return startMillis == 0 ? 0 : startMillis + experiment.offsetOf(phaseIndex).toMillis()
                + experiment.phases().get(phaseIndex).duration().toMillis();
    }

    /** Starts the phase clock: the first phase now, each next one when the previous one's duration is over. */
    public void begin() {
        monitor = new LoadMonitor();
        startMillis = System.currentTimeMillis();
        long at = 0;
        for (int i = 0; i < experiment.phases().size(); i++) {
            Experiment.Phase p = experiment.phases().get(i);
            long offset = at;
            java.util.Optional<Stack.TlsListener> listener = tlsListener(i);
            clock.schedule(() -> enter(p, offset, listener), offset, TimeUnit.MILLISECONDS);
            at += p.duration().toMillis();
        }
        long end = at;
        clock.schedule(this::clearFaults, end, TimeUnit.MILLISECONDS);
    }

    private synchronized void enter(Experiment.Phase p, long offsetMillis,
                                    java.util.Optional<Stack.TlsListener> listener) {
        monitor.boundary(p.name());
        try {
            faults.clear();
            if (listener.isPresent() && (p.restart() || !listener.get().equals(stack.tls()))) {
                // before the phase's boundary snapshot and profiles: both are of the restarted server; the last
                // phase's recording of the old server is written first
                profiles.stopAndWait(java.time.Duration.ofSeconds(10));
                cpu.boundary(p.name() + "#restart", stack.jvms());
                stack.restartWordgame(listener.get());
                LOG.info("word-game server restarted with TLS {} {}", listener.get().key(), listener.get().protocols());
            }
            List<String> applied = faults.apply(p.faults());
            JsonObject entry = new JsonObject().put("phase", p.name()).put("startMillis", startMillis + offsetMillis)
                    .put("durationMillis", p.duration().toMillis()).put("rate", p.rateOr(experiment.load().rate()))
                    .put("faults", new JsonArray(applied));
            listener.ifPresent(l -> entry.put("tls", l.key() + " " + l.protocols()
                            + (l.warmup() < 0 ? "" : " warmup " + l.warmup()))
                    .put("reuse", p.reuse().name().toLowerCase(java.util.Locale.ROOT))
                    .put("hosts", experiment.load().poll().hosts(p.rateOr(experiment.load().rate()))));
            timeline.add(entry);
            LOG.info("phase {} begins; faults {}", p.name(), applied);
            server.boundary(p.name());
            if (accounts) {
                accounting.boundary(p.name(), stack.wordgameUrl() + "/metrics");
            }
            cpu.boundary(p.name(), stack.jvms());
            profiles.enter(p.name(), stack.jvms());
        } catch (IOException | RuntimeException e) {
            failure = "phase " + p.name() + ": " + e.getMessage();
            LOG.error("could not enter phase {}", p.name(), e);
        }
    }

    private synchronized void clearFaults() {
        monitor.boundary(END);
        server.boundary(END);
        if (accounts) {
            accounting.boundary(END, stack.wordgameUrl() + "/metrics");
        }
        cpu.boundary(END, stack.jvms());
        profiles.finish();
        try {
            faults.clear();
        } catch (IOException e) {
            LOG.warn("clearing faults failed: {}", e.toString());
        }
    }

    /** The phase a request that started at {@code epochMillis} belongs to, or null outside the experiment. */
    public String phaseAt(long epochMillis) {
        long t = epochMillis - startMillis;
        if (startMillis == 0 || t < 0) {
            return null;
        }
        long at = 0;
        for (Experiment.Phase p : experiment.phases()) {
            at += p.duration().toMillis();
            if (t < at) {
                return p.name();
            }
        }
        return null;
    }

    /** Records one answered (or failed, status 0) request by its start time. */
    public void record(long startEpochMillis, int status, long responseMillis) {
        String phase = phaseAt(startEpochMillis);
        if (phase != null) {
            stats.get(phase).record(status, responseMillis * 1000);
            series.record(startEpochMillis, status, responseMillis * 1000);
        }
    }

    /** A user (player, polling host) started now; for the load generator's health. */
    void userStarted(long epochMillis) {
        String phase = phaseAt(epochMillis);
        if (phase != null && monitor != null) {
            monitor.userStarted(phase);
        }
    }

    /** The load generator's health per phase (empty before the run began). */
    private Map<String, dev.faultline.harness.verdict.LoadHealth> health() {
        Map<String, dev.faultline.harness.verdict.LoadHealth> out = new LinkedHashMap<>();
        if (monitor == null) {
            return out;
        }
        List<Experiment.Phase> phases = experiment.phases();
        for (int i = 0; i < phases.size(); i++) {
            String next = i + 1 < phases.size() ? phases.get(i + 1).name() : END;
            out.put(phases.get(i).name(), monitor.health(phases.get(i).name(), next, experiment.usersScheduled(i),
                    phases.get(i).rateOr(experiment.load().rate())));
        }
        return out;
    }

    /** A request the server applies (a guess, a new game) was sent now; for the exactly-once check. */
    void sent(RequestAccounting.Kind kind, long startEpochMillis) {
        if (accounts && phaseAt(startEpochMillis) != null) {
            accounting.sent(kind, startEpochMillis);
        }
    }

    /** Such a request's answer: its status (0: none) and when it came. */
    void answered(RequestAccounting.Kind kind, long startEpochMillis, int status, long answeredEpochMillis) {
        if (accounts && phaseAt(startEpochMillis) != null) {
            accounting.answered(kind, startEpochMillis, status, answeredEpochMillis);
        }
    }

    private final java.util.concurrent.atomic.AtomicReference<List<Verdict>> finished =
            new java.util.concurrent.atomic.AtomicReference<>();

    /** {@link #judge()} once; later calls return the same verdicts. The stack stays up until {@link #close()}. */
    public synchronized List<Verdict> judgeOnce() {
        if (finished.get() == null) {
            finished.set(judge());
        }
        return finished.get();
    }

    /**
     * Tells the word-game server's {@code /status} to answer 200 when every hypothesis held and 500 otherwise, so
     * that one last Gatling request (and a Gatling assertion on it) carries the verdict into Gatling's own result.
     */
    public void publishVerdict(boolean passed) {
        try {
            java.net.http.HttpClient.newBuilder().version(java.net.http.HttpClient.Version.HTTP_1_1).build().send(java.net.http.HttpRequest.newBuilder(
                            java.net.URI.create(stack.wordgameAdminUrl() + "/admin/status"))
                    .PUT(java.net.http.HttpRequest.BodyPublishers.ofString(new JsonObject()
                            .put("code", passed ? 200 : 500)
                            .put("body", new JsonObject().put("hypotheses", passed ? "held" : "failed")).encode()))
                    .build(), java.net.http.HttpResponse.BodyHandlers.discarding());
        } catch (IOException e) {
            failure = "publishing the verdict failed: " + e.getMessage();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    public String wordgameUrl() {
        return stack.wordgameUrl();
    }

    /** Stops the phase clock (the stack belongs to the suite). */
    public void close() {
        clock.shutdownNow();
        if (monitor != null) {
            monitor.close();
        }
        if (profiles != null) {
            profiles.close();
        }
    }

    /** Key of the snapshot taken when the last phase ends. */
    private static final String END = "end";

    /** The phases' windows as they ran (from the timeline). */
    private List<ServerMetrics.Window> windows() {
        List<ServerMetrics.Window> out = new ArrayList<>();
        for (Object o : timeline) {
            JsonObject t = (JsonObject) o;
            long start = t.getLong("startMillis");
            out.add(new ServerMetrics.Window(t.getString("phase"), start, start + t.getLong("durationMillis")));
        }
        return out;
    }

    /** A server-side hypothesis' value in a phase: its measure from the captured numbers, or its PromQL. */
    private double serverValue(JsonObject captured, String phase, Experiment.ServerBound h) throws IOException {
        ServerMetrics.Window w = windows().stream().filter(x -> x.phase().equals(phase)).findFirst()
                .orElseThrow(() -> new IOException("phase " + phase + " did not run"));
        if (h.promql() != null) {
            return server.promql(h.promql(), w);
        }
        JsonObject values = captured.getJsonObject("phases").getJsonObject(phase);
        Object v = values == null ? null : values.getValue(h.measure());
        return v == null ? Double.NaN : ((Number) v).doubleValue();
    }

    /** Profiles and server-side numbers into the run directory; returns the server numbers. */
    private JsonObject capture() {
        JsonObject captured = new JsonObject().put("phases", new JsonObject());
        try {
            Files.createDirectories(runDir.resolve("metrics"));
            captured = server.capture(windows(), END);
            cpu.addTo(captured, windows().stream().map(ServerMetrics.Window::phase).toList(), END);
            Files.writeString(runDir.resolve("metrics").resolve("server.json"), captured.encodePrettily());
            Files.writeString(runDir.resolve("metrics").resolve("client.json"),
                    new JsonObject().put("series", series.toJson()).encodePrettily());
            profiles.summarize(experiment.phases().get(0).name(), java.time.Duration.ofSeconds(120));
        } catch (IOException | RuntimeException e) {
            LOG.error("capturing the run's profiles and metrics failed: {}", e.toString());
        }
        return captured;
    }

    /** Judges, writes the JSON files, prints the table. Returns the verdicts. */
    private List<Verdict> judge() {
        clock.shutdownNow();
        JsonObject captured = capture();
        Map<String, dev.faultline.harness.verdict.LoadHealth> health = health();
        List<Verdict> verdicts = Verdict.judge(experiment, stats, (phase, h) -> serverValue(captured, phase, h),
                accounting::counts, health);
        try {
            JsonArray v = new JsonArray();
            for (Verdict x : verdicts) {
                v.add(new JsonObject().put("phase", x.phase()).put("hypothesis", x.hypothesis()).put("bound", x.bound())
                        .put("measured", x.measured()).put("requests", x.requests()).put("passed", x.passed())
                        .put("error", x.error()).put("unjudged", x.unjudged()));
            }
            JsonObject phases = new JsonObject();
            stats.forEach((name, s) -> {
                JsonObject codes = new JsonObject();
                s.statuses().forEach((code, n) -> codes.put(Integer.toString(code), n));
                JsonObject phase = new JsonObject().put("requests", s.count()).put("successRatio", s.successRatio())
                        .put("p50Millis", s.percentileMillis(50)).put("p99Millis", s.percentileMillis(99))
                        .put("statuses", codes);
                dev.faultline.harness.verdict.LoadHealth h = health.get(name);
                if (h != null) {
                    phase.put("loadGenerator", new JsonObject(h.toMap()));
                }
                phases.put(name, phase);
            });
            Files.writeString(runDir.resolve("verdicts.json"), new JsonObject().put("experiment", experiment.name())
                    .put("passed", failure == null && verdicts.stream().noneMatch(Verdict::failed))
                    .put("harnessError", failure).put("verdicts", v).put("phases", phases).encodePrettily());
            Files.writeString(runDir.resolve("timeline.json"), new JsonObject().put("experiment", experiment.name())
                    .put("target", experiment.target().name().toLowerCase(java.util.Locale.ROOT))
                    .put("description", experiment.description()).put("metricsSource", server.source())
                    .put("startMillis", startMillis).put("phases", timeline).encodePrettily());
        } catch (IOException e) {
            LOG.error("writing the run's JSON failed", e);
        }
        StringBuilder load = new StringBuilder();
        health.forEach((phase, h) -> load.append(String.format(java.util.Locale.ROOT, "%-16s load generator: %s%s%n",
                phase, h.describe(), h.saturated().map(w -> " -- NOT JUDGED").orElse(""))));
        System.out.println("\nFaultline experiment " + experiment.name() + " (" + runDir + ")\n" + Verdict.table(verdicts)
                + load + (failure == null ? "" : "HARNESS ERROR: " + failure + "\n"));
        return verdicts;
    }

    /** Whether every hypothesis held and the harness itself did not fail. */
    public boolean passed(List<Verdict> verdicts) {
        return failure == null && verdicts.stream().noneMatch(Verdict::failed);
    }
}
