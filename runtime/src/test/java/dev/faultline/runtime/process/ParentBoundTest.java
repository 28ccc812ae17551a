package dev.faultline.runtime.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ParentBoundTest {

    /** Starts ParentFixture in its own JVM and returns it with its child's pid. */
    private static Process fixture(String mode, long[] childPid) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process parent = new ProcessBuilder(List.of(java, "-cp", System.getProperty("java.class.path"),
                ParentFixture.class.getName(), mode)).redirectErrorStream(true).start();
        BufferedReader out = new BufferedReader(new InputStreamReader(parent.getInputStream()));
        String line = out.readLine();
        assertThat(line).as("the fixture's first line").startsWith("child ");
        childPid[0] = Long.parseLong(line.substring(6).strip());
        return parent;
    }

    @Test
    void shouldStopTheChildWhenItsParentIsKilledWithSigkill() throws Exception {
        long[] pid = new long[1];
        Process parent = fixture("bound", pid);
        Optional<ProcessHandle> child = ProcessHandle.of(pid[0]);
        assertThat(child).as("child running").isPresent();
        assertThat(child.get().info().command().orElse("")).as("the child keeps the shell's pid").endsWith("sleep");

        parent.destroyForcibly().waitFor();

        await().atMost(Duration.ofSeconds(ParentBound.GRACE_SECONDS + 10))
                .until(() -> ProcessHandle.of(pid[0]).map(ProcessHandle::isAlive).orElse(false), alive -> !alive);
    }

    @Test
    void aPlainChildOutlivesAKilledParent_whichIsWhatParentBoundPrevents() throws Exception {
        long[] pid = new long[1];
        Process parent = fixture("plain", pid);
        parent.destroyForcibly().waitFor();
        ProcessHandle orphan = ProcessHandle.of(pid[0]).orElseThrow();
        try {
            await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(5)).until(orphan::isAlive);
        } finally {
            orphan.destroyForcibly();
        }
    }

    @Test
    void shouldStopChildAndWatcherOnStop() throws Exception {
        Process p = ParentBound.start(new ProcessBuilder(List.of("sleep", "600")));
        await().atMost(Duration.ofSeconds(5)).until(() -> p.descendants().count() >= 1);
        List<ProcessHandle> watcher = p.descendants().toList();

        ParentBound.stop(p, 5);

        assertThat(p.isAlive()).isFalse();
        await().atMost(Duration.ofSeconds(5)).until(() -> watcher.stream().noneMatch(ProcessHandle::isAlive));
    }

    @Test
    void shouldRefuseAChildWhoseInputIsNotThePipe() {
        ProcessBuilder b = new ProcessBuilder(List.of("true")).redirectInput(ProcessBuilder.Redirect.INHERIT);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> ParentBound.start(b))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("standard input");
    }
}
