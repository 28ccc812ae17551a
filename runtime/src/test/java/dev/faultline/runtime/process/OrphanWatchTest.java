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

class OrphanWatchTest {
    @Test
    void aParentThatEndedOrWasReplacedMeansOrphaned() throws Exception {
        Process gone = new ProcessBuilder("true").start();
        gone.waitFor();
        ProcessHandle me = ProcessHandle.current();
        assertThat(OrphanWatch.orphaned(gone.toHandle(), Optional.of(gone.toHandle()))).isTrue();
        assertThat(OrphanWatch.orphaned(me, Optional.of(me))).isFalse();
        assertThat(OrphanWatch.orphaned(me, Optional.empty())).isTrue();
    }

    /**
     * A shell starts a JVM that watches its parent, then the shell is killed with SIGKILL: the JVM ends by itself
     * (and says why) instead of running on as an orphan.
     */
    @Test
    void aJvmWhoseParentIsKilledEndsByItself() throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        // the shell waits for the JVM (it is its parent), printing the JVM's pid first
        Process shell = new ProcessBuilder(List.of("/bin/sh", "-c", "\"$0\" -cp \"$1\" " + WatchingFixture.class.getName()
                + " & echo $!; wait", java, System.getProperty("java.class.path"))).redirectErrorStream(true).start();
        BufferedReader out = new BufferedReader(new InputStreamReader(shell.getInputStream()));
        long jvm = Long.parseLong(out.readLine().strip());
        assertThat(out.readLine()).isEqualTo("watching");
        ProcessHandle child = ProcessHandle.of(jvm).orElseThrow();

        shell.destroyForcibly().waitFor();

        await().atMost(Duration.ofSeconds(10)).until(() -> !child.isAlive());
    }
}
