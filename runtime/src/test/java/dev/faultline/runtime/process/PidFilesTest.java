package dev.faultline.runtime.process;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PidFilesTest {
    @TempDir
    Path runs;

    @Test
    void shouldStopALeftoverOfAnEarlierRunAndSaySo() throws Exception {
        Process leftover = new ProcessBuilder(List.of("sleep", "600")).start();
        try {
            Path runDir = runs.resolve("20261202-140000-smoke");
            Path file = PidFiles.write(runDir, "wordgame-server", leftover.toHandle());
            List<String> said = new ArrayList<>();

            List<String> stopped = PidFiles.sweep(runs, 5, said::add);

            assertThat(leftover.waitFor(5, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
            assertThat(stopped).containsExactly("wordgame-server (pid " + leftover.pid() + ") of run 20261202-140000-smoke");
            assertThat(said).singleElement().asString().startsWith("stopped wordgame-server (pid " + leftover.pid());
            assertThat(file).doesNotExist();
        } finally {
            leftover.destroyForcibly();
        }
    }

    @Test
    void shouldLeaveAProcessAloneWhosePidWasReused() throws Exception {
        Path dir = runs.resolve("old-run").resolve("pids");
        Files.createDirectories(dir);
        Properties p = new Properties();
        p.setProperty("pid", Long.toString(ProcessHandle.current().pid()));
        p.setProperty("started", "1000"); // 1970: not this JVM's start
        try (var w = Files.newBufferedWriter(dir.resolve("proxy.pid"))) {
            p.store(w, null);
        }

        List<String> stopped = PidFiles.sweep(runs, 5, s -> { });

        assertThat(stopped).isEmpty();
        assertThat(ProcessHandle.current().isAlive()).isTrue();
        assertThat(dir.resolve("proxy.pid")).doesNotExist();
    }

    @Test
    void shouldForgetAChildThatWasStoppedCleanly() throws Exception {
        Path runDir = runs.resolve("r");
        PidFiles.write(runDir, "prometheus", ProcessHandle.current());
        PidFiles.remove(runDir, "prometheus");
        assertThat(PidFiles.sweep(runs, 5, s -> { })).isEmpty();
    }
}
