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
 * A whole Gatling run (its own JVM, the real stack) of an experiment whose hypothesis cannot hold: the run must fail,
 * say which hypothesis failed, write verdicts.json with passed=false, and leave no process of the stack behind.
 */
class ViolatedHypothesisTest {
    private static final Path ROOT = Path.of("").toAbsolutePath().getParent();

    @TempDir
    Path dir;

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
                """);
        String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        Path out = dir.resolve("gatling.log");
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-opens", "java.base/java.lang=ALL-UNNAMED", "-Xmx512m",
                "-Dfaultline.root=" + ROOT, "-Dexperiment=" + doomed,
                "-cp", classpath.replace(File.pathSeparator + File.pathSeparator, File.pathSeparator),
                "io.gatling.app.Gatling", "-s", "dev.faultline.harness.simulations.ExperimentSimulation",
                "-rf", dir.resolve("results").toString())
                .redirectErrorStream(true).redirectOutput(out.toFile()).start();
        boolean ended = p.waitFor(150, TimeUnit.SECONDS);
        if (!ended) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
        }
        String log = Files.readString(out);
        assertThat(ended).as("the run ended by itself; output:\n" + log).isTrue();
        assertThat(p.exitValue()).as(log).isNotZero();
        assertThat(log).contains("p50 < 10 ms", "FAIL", "a hypothesis did not hold");
        Matcher m = Pattern.compile("verdicts\\.json in (\\S+)\\)").matcher(log);
        assertThat(m.find()).isTrue();
        Path runDir = Path.of(m.group(1));
        JsonObject verdicts = new JsonObject(Files.readString(runDir.resolve("verdicts.json")));
        assertThat(verdicts.getBoolean("passed")).isFalse();
        assertThat(verdicts.getJsonArray("verdicts").getJsonObject(0).getBoolean("passed")).isFalse();
        assertThat(runDir.resolve("timeline.json")).exists();
        List<ProcessHandle> leftovers = ProcessHandle.allProcesses()
                .filter(h -> h.info().commandLine().map(c -> c.contains(runDir.toString())).orElse(false)).toList();
        assertThat(leftovers).as("processes of the stack still running").isEmpty();
    }
}
