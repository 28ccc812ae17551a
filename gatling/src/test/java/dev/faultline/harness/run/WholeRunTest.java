package dev.faultline.harness.run;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Whole Gatling runs (each in its own JVM, on the real stack): one whose hypothesis cannot hold must fail, say which
 * hypothesis failed, write verdicts.json with passed=false and leave nothing running; one interrupted midway
 * (SIGTERM) or killed (SIGKILL) must leave nothing running either, and a run killed together with its children's
 * watchers leaves children that the next run stops.
 */
class WholeRunTest {
    private static final Path ROOT = Path.of("").toAbsolutePath().getParent();

    @TempDir
    Path dir;

    /** A Gatling run of one experiment in its own JVM, as the Maven plugin forks it. */
    static Process gatling(Path experiment, Path dir, Path out, String... properties) throws java.io.IOException {
        return new ProcessBuilder(gatlingCommand(experiment, dir, properties)).redirectErrorStream(true)
                .redirectOutput(out.toFile()).start();
    }

    static List<String> gatlingCommand(Path experiment, Path dir, String... properties) {
        String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        List<String> cmd = new java.util.ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
                .toString(), "--add-opens", "java.base/java.lang=ALL-UNNAMED", "-Xmx512m", "-Djava.awt.headless=true",
                "-Dfaultline.root=" + ROOT, "-Dexperiment=" + experiment,
                "-Dfaultline.reportDir=" + dir.resolve("allure-report")));
        for (String p : properties) {
            cmd.add("-D" + p);
        }
        cmd.addAll(List.of("-cp", classpath.replace(File.pathSeparator + File.pathSeparator, File.pathSeparator),
                "io.gatling.app.Gatling", "-s", "dev.faultline.harness.simulations.ExperimentSimulation",
                "-rf", dir.resolve("results").toString()));
        return cmd;
    }

    /** Waits (150 s at most) for a run to end by itself and returns its output; kills it and fails otherwise. */
    static String finish(Process p, Path out) throws Exception {
        boolean ended = p.waitFor(150, TimeUnit.SECONDS);
        if (!ended) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
        }
        String log = Files.readString(out);
        assertThat(ended).as("the run ended by itself; output:\n" + log).isTrue();
        return log;
    }

    /** The stack's processes of a run: their command lines carry {@code -Dfaultline.run=<run dir>}. */
    static List<ProcessHandle> processesOf(Path runDir) {
        return ProcessHandle.allProcesses()
                .filter(h -> h.info().commandLine().map(c -> c.contains(runDir.toString())).orElse(false)).toList();
    }

    /** Starts a run of a 120 s experiment and returns its run directory once its children have their pid files. */
    private Path startLongRun(Process[] gatling) throws Exception {
        return startLongRun(gatling, false);
    }

    /**
     * The same; with {@code underLauncher} the Gatling JVM is started by a shell that waits for it, as Maven's
     * plugin forks it, and {@code gatling[0]} is that shell.
     */
    private Path startLongRun(Process[] gatling, boolean underLauncher) throws Exception {
        Path long1 = Files.writeString(dir.resolve("long.yml"), """
                name: long
                load: {rate: 2}
                phases:
                - name: steady
                  duration: 120s
                  hypotheses: [{successRatio: ">= 0.9"}]
                """);
        Path out = dir.resolve("long-run.log");
        if (underLauncher) {
            List<String> cmd = new java.util.ArrayList<>(List.of("/bin/sh", "-c", "\"$@\" & wait", "launcher"));
            cmd.addAll(gatlingCommand(long1, dir));
            gatling[0] = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile()).start();
        } else {
            gatling[0] = gatling(long1, dir, out);
        }
        Path runs = ROOT.resolve("reports").resolve("runs");
        Path[] runDir = new Path[1];
        long startedAt = System.currentTimeMillis() - 2000;
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(90)).until(() -> {
            if (!Files.isDirectory(runs)) {
                return false;
            }
            try (var s = Files.list(runs)) {
                runDir[0] = s.filter(d -> d.getFileName().toString().endsWith("-long"))
                        .filter(d -> d.toFile().lastModified() >= startedAt).max(Path::compareTo).orElse(null);
            }
            return runDir[0] != null && Files.isRegularFile(runDir[0].resolve("pids/wordgame-server.pid"))
                    && Files.isRegularFile(runDir[0].resolve("pids/proxy.pid"));
        });
        return runDir[0];
    }

    private static void assertNothingLeft(Path runDir, java.time.Duration within) {
        org.awaitility.Awaitility.await().atMost(within)
                .untilAsserted(() -> assertThat(processesOf(runDir)).as("processes of the stack").isEmpty());
    }

    @Test
    void anInterruptedRunLeavesNoProcessBehind() throws Exception {
        Process[] p = new Process[1];
        Path runDir = startLongRun(p);
        p[0].destroy(); // SIGTERM, as Ctrl-C or a CI timeout would
        assertThat(p[0].waitFor(30, TimeUnit.SECONDS)).as("the run stops on SIGTERM").isTrue();
        assertNothingLeft(runDir, java.time.Duration.ofSeconds(15));
        assertThat(runDir.resolve("pids/wordgame-server.pid")).as("pid file of a child stopped cleanly").doesNotExist();
    }

    @Test
    void aRunKilledWithSigkillLeavesNoProcessBehind() throws Exception {
        Process[] p = new Process[1];
        Path runDir = startLongRun(p);
        assertThat(processesOf(runDir)).as("the stack is running").isNotEmpty();
        p[0].destroyForcibly(); // kill -9: no shutdown hook runs
        assertThat(p[0].waitFor(10, TimeUnit.SECONDS)).isTrue();
        assertNothingLeft(runDir, java.time.Duration.ofSeconds(
                dev.faultline.runtime.process.ParentBound.GRACE_SECONDS + 20));
    }

    @Test
    void aRunWhoseLauncherIsKilledStopsItselfAndItsChildren() throws Exception {
        Process[] launcher = new Process[1];
        Path runDir = startLongRun(launcher, true);
        launcher[0].destroyForcibly(); // kill -9 of Maven: its forked Gatling JVM is orphaned
        assertNothingLeft(runDir, java.time.Duration.ofSeconds(30));
        assertThat(ProcessHandle.allProcesses().filter(h -> h.info().commandLine()
                .map(c -> c.contains("io.gatling.app.Gatling") && c.contains(dir.toString())).orElse(false)).toList())
                .as("the orphaned Gatling JVM ended by itself").isEmpty();
        assertThat(Files.readString(dir.resolve("long-run.log"))).contains("the process that started this run");
    }

    @Test
    void theNextRunStopsWhatAKilledRunLeftAndSaysSo() throws Exception {
        Process[] p = new Process[1];
        Path runDir = startLongRun(p);
        long wordgame = Long.parseLong(java.util.regex.Pattern.compile("pid=(\\d+)")
                .matcher(Files.readString(runDir.resolve("pids/wordgame-server.pid"))).results().findFirst()
                .orElseThrow().group(1));
        // the whole tree killed at once, the children's watchers with it: the children are orphaned
        p[0].descendants().filter(h -> h.info().command().map(c -> !c.endsWith("java")).orElse(true))
                .forEach(ProcessHandle::destroyForcibly);
        p[0].destroyForcibly();
        assertThat(p[0].waitFor(10, TimeUnit.SECONDS)).isTrue();
        assertThat(ProcessHandle.of(wordgame).map(ProcessHandle::isAlive)).as("orphaned word-game server")
                .contains(true);

        java.io.ByteArrayOutputStream said = new java.io.ByteArrayOutputStream();
        java.io.PrintStream console = System.out;
        System.setOut(new java.io.PrintStream(said, true));
        List<String> stopped;
        try {
            stopped = SuiteRun.stopLeftovers(ROOT);
        } finally {
            System.setOut(console);
        }

        assertThat(stopped).contains("wordgame-server (pid " + wordgame + ") of run " + runDir.getFileName());
        assertThat(said.toString()).contains("faultline: stopped wordgame-server (pid " + wordgame + ")");
        assertNothingLeft(runDir, java.time.Duration.ofSeconds(15));
    }

    @Test
    void aViolatedHypothesisFailsTheRunAndLeavesNothingRunning() throws Exception {
        Path doomed = Files.writeString(dir.resolve("doomed.yml"), """
                name: doomed
                load: {rate: 5, thinkTime: 10ms..20ms}
                phases:
                - name: slow
                  duration: 4s
                  faults:
                  - {link: upstream, toxic: latency, attributes: {latency: 100}}
                  hypotheses:
                  - p50: "< 10ms"
                  - server: {measure: wordgame.requestRate, bound: "> 0"}
                """);
        Path out = dir.resolve("gatling.log");
        Process p = gatling(doomed, dir, out, "prometheus=false");
        String log = finish(p, out);
        assertThat(p.exitValue()).as(log).isNotZero();
        assertThat(log).contains("p50 < 10 ms", "FAIL", "hypotheses (verdicts.json)");
        Matcher m = Pattern.compile("Faultline experiment doomed \\((\\S+)\\)").matcher(log);
        assertThat(m.find()).isTrue();
        Path runDir = Path.of(m.group(1));
        JsonObject verdicts = new JsonObject(Files.readString(runDir.resolve("verdicts.json")));
        assertThat(verdicts.getBoolean("passed")).isFalse();
        assertThat(verdicts.getJsonArray("verdicts").getJsonObject(0).getBoolean("passed")).isFalse();
        assertThat(runDir.resolve("timeline.json")).exists();
        assertThat(processesOf(runDir)).as("processes of the stack still running").isEmpty();

        // the capture without Prometheus: /metrics snapshots at the boundaries, a profile per JVM, the report
        JsonObject server = new JsonObject(Files.readString(runDir.resolve("metrics/server.json")));
        assertThat(server.getString("source")).contains("snapshots", "-Dprometheus=false");
        assertThat(server.getJsonObject("phases").getJsonObject("slow").getDouble("wordgame.requestRate")).isPositive();
        assertThat(verdicts.getJsonArray("verdicts").getJsonObject(1).getBoolean("passed"))
                .as("the server-side hypothesis held, from snapshots").isTrue();
        assertThat(new JsonObject(Files.readString(runDir.resolve("profiles/profiles.json"))).getJsonArray("recordings"))
                .extracting(r -> ((JsonObject) r).getString("component")).containsExactlyInAnyOrder("wordgame", "proxy");
        assertThat(dir.resolve("allure-report/index.html")).isNotEmptyFile();
        assertThat(log).contains("Faultline report: " + dir.resolve("allure-report/index.html"));
    }

    @Test
    void withPrometheusTheServerSideNumbersArePromql() throws Exception {
        new dev.faultline.testkit.ExternalTool("prometheus", "PROMETHEUS_BIN", "install Debian's prometheus package")
                .require();
        Path exp = Files.writeString(dir.resolve("scraped.yml"), """
                name: scraped
                load: {rate: 5, thinkTime: 10ms..20ms}
                phases:
                - name: steady
                  duration: 8s
                  hypotheses:
                  - server: {measure: proxy.requestRate, bound: "> 0"}
                  - server: {promql: 'sum(rate(http_server_requests_seconds_count{job="wordgame"}$window))', bound: "> 0"}
                """);
        Path out = dir.resolve("scraped.log");
        Process p = gatling(exp, dir, out, "report=false");
        String log = finish(p, out);
        Matcher m = Pattern.compile("Faultline experiment scraped \\((\\S+)\\)").matcher(log);
        assertThat(m.find()).as(log).isTrue();
        Path runDir = Path.of(m.group(1));
        JsonObject server = new JsonObject(Files.readString(runDir.resolve("metrics/server.json")));
        assertThat(server.getBoolean("prometheus")).isTrue();
        assertThat(server.getString("source")).startsWith("Prometheus started for the run");
        assertThat(server.getJsonObject("series").getJsonArray("proxy.requestRate")).isNotEmpty();
        JsonObject verdicts = new JsonObject(Files.readString(runDir.resolve("verdicts.json")));
        assertThat(verdicts.getJsonArray("verdicts")).allSatisfy(v ->
                assertThat(((JsonObject) v).getBoolean("passed")).as(v.toString()).isTrue());
        assertThat(p.exitValue()).as(log).isZero();
        assertThat(processesOf(runDir)).isEmpty();
        assertThat(ProcessHandle.allProcesses().filter(h -> h.info().commandLine()
                .map(c -> c.contains("prometheus") && c.contains(runDir.toString())).orElse(false)).toList())
                .as("prometheus stopped").isEmpty();
    }
}
