package dev.faultline.harness.run;

import dev.faultline.harness.experiment.Experiment;
import dev.faultline.harness.experiment.ExperimentLoader;
import dev.faultline.harness.stack.Stack;
import dev.faultline.harness.verdict.Verdict;
import dev.faultline.runtime.process.OrphanWatch;
import dev.faultline.runtime.process.PidFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One or more experiments run back to back on one stack: between two experiments a gap lets the players of the
 * first finish and, when their proxy settings differ, the proxy restart with the next one's. Each experiment keeps
 * its own run directory, timeline and verdicts.
 */
public final class SuiteRun {
    private static final Logger LOG = LoggerFactory.getLogger(SuiteRun.class);
    /** Pause between two experiments of a suite. */
    public static final Duration GAP = Duration.ofSeconds(8);
    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss").withZone(ZoneOffset.UTC);

    private final Path repoRoot;
    private final List<ExperimentRun> runs;
    private final ScheduledExecutorService clock = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "suite-clock");
        t.setDaemon(true);
        return t;
    });
    private Stack stack;
    private volatile String failure;

    SuiteRun(Path repoRoot, List<ExperimentRun> runs) {
        this.repoRoot = repoRoot;
        this.runs = List.copyOf(runs);
    }

    /**
     * {@code -Dexperiment=<name>} (in {@code gatling/experiments/}), {@code -Dexperiment=<file>.yml}, or, without
     * it (or with {@code all}), every shipped experiment in file-name order.
     */
    public static SuiteRun fromSystemProperties() {
        Path root = Path.of(System.getProperty("faultline.root", "..")).toAbsolutePath().normalize();
        String name = System.getProperty("experiment", "all").strip();
        Path dir = root.resolve("gatling").resolve("experiments");
        List<Path> files = new ArrayList<>();
        if (name.isEmpty() || name.equals("all")) {
            try (Stream<Path> s = Files.list(dir)) {
                s.filter(p -> p.toString().endsWith(".yml")).sorted().forEach(files::add);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        } else {
            Path file = name.endsWith(".yml") ? Path.of(name).toAbsolutePath() : dir.resolve(name + ".yml");
            if (!Files.isRegularFile(file)) {
                throw new ExperimentLoader.InvalidExperimentException("no experiment \"" + name + "\" (" + file + ")");
            }
            files.add(file);
        }
        List<ExperimentRun> runs = new ArrayList<>();
        for (Path f : files) {
            runs.add(new ExperimentRun(ExperimentLoader.load(f), root));
        }
        return new SuiteRun(root, runs);
    }

    public List<ExperimentRun> runs() {
        return runs;
    }

    /** Offset of each experiment from the suite's start. */
    public List<Duration> offsets() {
        List<Duration> out = new ArrayList<>();
        Duration at = Duration.ZERO;
        for (ExperimentRun r : runs) {
            out.add(at);
            at = at.plus(r.experiment().totalDuration()).plus(GAP);
        }
        return out;
    }

    public Duration totalDuration() {
        Duration last = offsets().get(runs.size() - 1);
        return last.plus(runs.get(runs.size() - 1).experiment().totalDuration());
    }

    /**
     * Stops what earlier runs left running (the children named by pid files under {@code reports/runs}: a run whose
     * JVM was killed together with the watchers that stop its children), saying so on the console.
     */
    public static List<String> stopLeftovers(Path repoRoot) {
        return PidFiles.sweep(repoRoot.resolve("reports").resolve("runs"), 10,
                m -> System.out.println("faultline: " + m));
    }

    /** Brings up the stack (with the first experiment's proxy settings) for every run, after stopping leftovers. */
    public void start() {
        // a harness JVM forked by Maven would run on, with its children, after Maven is killed: end with it
        OrphanWatch.exitWhenOrphaned(1, m -> System.err.println("faultline: " + m));
        stopLeftovers(repoRoot);
        Path stackDir = runs.size() == 1 ? runs.get(0).runDir()
                : repoRoot.resolve("reports").resolve("runs").resolve(STAMP.format(Instant.now()) + "-suite");
        try {
            Files.createDirectories(stackDir);
            // a TLS listener when any experiment of the suite wants one, as its first phase says
            java.util.Optional<Stack.TlsListener> tls = runs.stream().map(r -> r.tlsListener(0))
                    .filter(java.util.Optional::isPresent).map(java.util.Optional::get).findFirst();
            stack = Stack.start(runs.get(0).stackOptions(repoRoot, stackDir).withTls(tls));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        runs.forEach(r -> r.attach(stack));
        long startedAt = System.currentTimeMillis();
        this.reportRoot = stackDir;
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            copyGatlingReport(startedAt);
            if (reportIndex != null) {
                System.out.println("Faultline report: " + reportIndex);
            }
        }, "faultline-report"));
    }

    private Path reportRoot;
    private volatile Path reportIndex;

    /**
     * Compiles the Allure report from every experiment that was judged (results in {@code <dir>/allure-results},
     * rendered into {@code reports/allure-report/} or {@code -Dfaultline.reportDir}) and prints its path;
     * {@code -Dreport=false} skips it. Gatling
     * writes its own report after this, and the exit hook copies it to where the report links
     * ({@code <run>/gatling/index.html}).
     */
    public void compileReport() {
        Path dir = reportRoot;
        if ("false".equals(System.getProperty("report"))) {
            return;
        }
        List<Path> judged = runs.stream().map(ExperimentRun::runDir)
                .filter(d -> Files.isRegularFile(d.resolve("verdicts.json"))).toList();
        if (judged.isEmpty()) {
            System.err.println("faultline: no experiment was judged; no report");
            return;
        }
        try {
            java.util.Map<String, String> facts = new java.util.LinkedHashMap<>();
            facts.put("Fault backend", runs.get(0).stackOptions(repoRoot, dir).faultBackend());
            facts.put("Child JVM options", String.join(" ", Stack.Options.defaults(repoRoot, dir).jvmArgs()));
            Path reportDir = Path.of(System.getProperty("faultline.reportDir",
                    repoRoot.resolve("reports").resolve("allure-report").toString()));
            reportIndex = dev.faultline.reports.Reports.compile(repoRoot, judged, dir.resolve("allure-results"), facts,
                    reportDir);
            System.out.println("\nFaultline report: " + reportIndex + "\n");
        } catch (IOException | RuntimeException e) {
            System.err.println("faultline: the report could not be compiled: " + e.getMessage());
        }
    }

    /**
     * Gatling writes its HTML report after the simulation ends, just before its JVM exits; this hook (run at that
     * exit) copies the newest report into each experiment's run directory as {@code gatling/}.
     */
    private void copyGatlingReport(long startedAt) {
        Path results = Path.of(System.getProperty("faultline.gatlingResults",
                repoRoot.resolve("gatling").resolve("target").resolve("gatling").toString()));
        if (!Files.isDirectory(results)) {
            return;
        }
        try (Stream<Path> dirs = Files.list(results)) {
            Path newest = dirs.filter(d -> Files.isRegularFile(d.resolve("index.html")))
                    .filter(d -> d.toFile().lastModified() >= startedAt)
                    .max(java.util.Comparator.comparingLong(d -> d.toFile().lastModified())).orElse(null);
            if (newest == null) {
                return;
            }
            for (ExperimentRun r : runs) {
                copyTree(newest, r.runDir().resolve("gatling"));
            }
        } catch (IOException e) {
            System.err.println("faultline: could not copy the Gatling report: " + e.getMessage());
        }
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> all = Files.walk(from)) {
            for (Path p : (Iterable<Path>) all::iterator) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
    }

    /** Starts the clock: each experiment at its offset, the proxy reconfigured in the gap before it when needed. */
    public void begin() {
        List<Duration> offsets = offsets();
        runs.get(0).begin();
        for (int i = 1; i < runs.size(); i++) {
            ExperimentRun previous = runs.get(i - 1);
            ExperimentRun next = runs.get(i);
            long restartAt = offsets.get(i - 1).plus(previous.experiment().totalDuration()).toMillis() + 1000;
            if (!next.proxyRoute().equals(previous.proxyRoute())) {
                clock.schedule(() -> restartProxy(next), restartAt, TimeUnit.MILLISECONDS);
            }
            clock.schedule(next::begin, offsets.get(i).toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    private void restartProxy(ExperimentRun next) {
        try {
            stack.restartProxy(next.proxyRoute());
            LOG.info("proxy reconfigured for {}", next.experiment().name());
        } catch (IOException | RuntimeException e) {
            failure = "restarting the proxy for " + next.experiment().name() + ": " + e.getMessage();
            LOG.error(failure);
        }
    }

    /** The experiment running now (the last one begun), or the first before the start. */
    private ExperimentRun current() {
        ExperimentRun current = runs.get(0);
        for (ExperimentRun r : runs) {
            if (r.startMillis() != 0) {
                current = r;
            }
        }
        return current;
    }

    /** The stack's TLS target URL (the tls-edge link). */
    public String tlsUrl() {
        return stack.tlsEdgeUrl();
    }

    /** Where a player starting now sends its requests. */
    public String baseUrl() {
        return current().baseUrl();
    }

    /** A think time drawn from the current experiment's range. */
    public Duration thinkTime() {
        Experiment.Load load = current().experiment().load();
        long min = load.thinkMin().toMillis();
        long max = load.thinkMax().toMillis();
        return Duration.ofMillis(max <= min ? min : ThreadLocalRandom.current().nextLong(min, max + 1));
    }

    /**
     * Whether players should go on: false once the current experiment has ended (so games still running then stop,
     * and a slow player cannot keep a finished experiment's run alive).
     */
    public boolean accepting() {
        ExperimentRun r = current();
        return r.startMillis() == 0
                || System.currentTimeMillis() < r.startMillis() + r.experiment().totalDuration().toMillis() + 1000;
    }

    /** Think time of a slow player: 1 to 3 s. */
    public Duration slowThinkTime() {
        return Duration.ofMillis(ThreadLocalRandom.current().nextLong(1000, 3001));
    }

    /** New games in one burst of the current experiment. */
    public int burstSize() {
        return Math.max(1, current().experiment().load().mix().burstSize());
    }

    /** Records a request into the experiment (and phase) it started in. */
    public void record(long startEpochMillis, int status, long responseMillis) {
        ExperimentRun r = runAt(startEpochMillis);
        if (r != null) {
            r.record(startEpochMillis, status, responseMillis);
        }
    }

    /** The experiment a request that started at {@code epochMillis} belongs to, or null. */
    private ExperimentRun runAt(long epochMillis) {
        for (ExperimentRun r : runs) {
            if (r.phaseAt(epochMillis) != null) {
                return r;
            }
        }
        return null;
    }

    /** A user (a player, a polling host) started now: counted for the load generator's health. */
    public void userStarted(long epochMillis) {
        ExperimentRun r = runAt(epochMillis);
        if (r != null) {
            r.userStarted(epochMillis);
        }
    }

    /**
     * A request the server applies was sent: {@code kind} is {@code guess} or {@code new} (a new game); for the
     * exactly-once hypothesis.
     */
    public void sent(String kind, long startEpochMillis) {
        ExperimentRun r = runAt(startEpochMillis);
        if (r != null) {
            r.sent(kind(kind), startEpochMillis);
        }
    }

    /** The answer to such a request: status (0: none) and when it came (epoch ms). */
    public void answered(String kind, long startEpochMillis, int status, long answeredEpochMillis) {
        ExperimentRun r = runAt(startEpochMillis);
        if (r != null) {
            r.answered(kind(kind), startEpochMillis, status, answeredEpochMillis);
        }
    }

    private static RequestAccounting.Kind kind(String kind) {
        return switch (kind) {
            case "guess" -> RequestAccounting.Kind.GUESS;
            case "new" -> RequestAccounting.Kind.NEW_GAME;
            default -> throw new IllegalArgumentException("no request kind \"" + kind + "\" (guess, new)");
        };
    }

    public synchronized List<Verdict> judgeOnce() {
        List<Verdict> all = new ArrayList<>();
        for (ExperimentRun r : runs) {
            all.addAll(r.judgeOnce());
        }
        return all;
    }

    public boolean passed() {
        return failure == null && runs.stream().allMatch(r -> r.passed(r.judgeOnce()));
    }

    public void publishVerdict() {
        runs.get(0).publishVerdict(passed());
    }

    public String wordgameUrl() {
        return stack.wordgameUrl();
    }

    public void close() {
        clock.shutdownNow();
        runs.forEach(ExperimentRun::close);
        if (stack != null) {
            stack.close();
        }
    }
}
