package dev.faultline.perf.profile;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** async-profiler attached to a real child JVM: a light phase, then a CPU-heavy one whose frames the diff names. */
class PhaseProfilesTest {
    @TempDir
    Path dir;

    @Test
    void aCpuHeavyPhaseIsNamedByTheDiff() throws Exception {
        Process child = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), CpuFixture.class.getName())
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        try (PhaseProfiles profiles = new PhaseProfiles(dir, true);
             Writer toChild = new java.io.OutputStreamWriter(child.getOutputStream(), StandardCharsets.UTF_8)) {
            assertThat(new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))
                    .readLine()).isEqualTo("ready");
            Map<String, Long> pids = Map.of("fixture", child.pid());
            profiles.enter("baseline", pids);
            Thread.sleep(2500);
            toChild.write("hot\n");
            toChild.flush();
            profiles.enter("hot", pids);
            Thread.sleep(2500);
            toChild.write("light\n");
            toChild.flush();
            JsonObject summary = profiles.summarize("baseline", Duration.ofSeconds(60));

            JsonArray recordings = summary.getJsonArray("recordings");
            assertThat(recordings).hasSize(2);
            JsonObject base = recordings.getJsonObject(0);
            JsonObject hot = recordings.getJsonObject(1);
            assertThat(base.getString("error")).isNull();
            assertThat(hot.getString("error")).isNull();
            assertThat(base.getString("event")).isIn("cpu", "itimer", "wall");
            for (String key : List.of("cpuFlameGraph", "collapsed", "allocFlameGraph", "jfr")) {
                assertThat(dir.resolve(base.getString(key))).isNotEmptyFile();
            }
            assertThat(Files.readString(dir.resolve(hot.getString("cpuFlameGraph")))).contains("crunchPrimes");
            assertThat(base.getString("diffFlameGraph")).as("no diff of the baseline with itself").isNull();
            assertThat(dir.resolve(hot.getString("diffFlameGraph"))).isNotEmptyFile();
            JsonObject top = hot.getJsonArray("grewMost").getJsonObject(0);
            assertThat(top.getString("frame")).contains("CpuFixture.crunchPrimes");
            assertThat(top.getDouble("phaseSelf")).isGreaterThan(0.5);
            assertThat(top.getDouble("baselineSelf")).isLessThan(0.05);
            assertThat(Files.readString(dir.resolve("profiles.json"))).contains("crunchPrimes");
        } finally {
            child.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void switchedOffRecordsNothingAndSaysWhy() throws Exception {
        try (PhaseProfiles profiles = new PhaseProfiles(dir, false)) {
            profiles.enter("baseline", Map.of("x", ProcessHandle.current().pid()));
            JsonObject summary = profiles.summarize("baseline", Duration.ofSeconds(5));
            assertThat(summary.getString("disabled")).contains("-Dprofile=false");
            assertThat(summary.getJsonArray("recordings")).isEmpty();
        }
    }

    @Test
    void aProcessThatIsGoneIsAnErrorInTheSummaryNotAFailedRun() throws Exception {
        Process gone = new ProcessBuilder("true").start();
        gone.waitFor(10, TimeUnit.SECONDS);
        try (PhaseProfiles profiles = new PhaseProfiles(dir, true)) {
            profiles.enter("baseline", Map.of("ghost", gone.pid()));
            JsonObject summary = profiles.summarize("baseline", Duration.ofSeconds(30));
            assertThat(summary.getJsonArray("recordings").getJsonObject(0).getString("error"))
                    .contains("async-profiler could not start");
        }
    }
}
