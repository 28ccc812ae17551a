package dev.faultline.prober;

import static org.assertj.core.api.Assertions.assertThat;

import dev.faultline.testkit.ConsoleCapture;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** The command line: --help, --check-config, and one-line errors with exit codes. */
class MainTest {
    @RegisterExtension
    final ConsoleCapture console = new ConsoleCapture();

    @TempDir
    Path dir;

    @Test
    void helpListsTheOptions() {
        assertThat(Main.run(new String[] {"--help"})).isZero();
        assertThat(console.out()).startsWith("Usage: java -jar prober.jar --config prober.yml")
                .contains("--config <file>", "--metrics-port <port>", "--check-config", "probe_success");
    }

    @Test
    void checkConfigAcceptsTheExample() {
        assertThat(Main.run(new String[] {"--config", "prober.example.yml", "--check-config"})).isZero();
        assertThat(console.out()).isEqualTo("prober: prober.example.yml is valid (4 probes)\n");
    }

    @Test
    void aBadConfigIsOneLineExitTwo() throws Exception {
        Path f = Files.writeString(dir.resolve("p.yml"), "probes:\n- name: a\n  url: http://x/\n  interval: 1x\n");
        assertThat(Main.run(new String[] {"--config", f.toString()})).isEqualTo(2);
        assertThat(console.err()).isEqualTo("prober: probes[0].interval: \"1x\" is not a duration (e.g. 500ms, 1s, 2m)\n");
        assertThat(console.out()).isEmpty();
    }

    @Test
    void badArgumentsAreOneLineExitTwo() {
        assertThat(Main.run(new String[] {"--config", dir.resolve("none.yml").toString()})).isEqualTo(2);
        assertThat(console.err()).isEqualTo("prober: " + dir.resolve("none.yml") + ": no such file\n");
        console.reset();
        assertThat(Main.run(new String[] {"--metrics-port", "x", "--config", "a"})).isEqualTo(2);
        assertThat(console.err()).isEqualTo("prober: --metrics-port: \"x\" is not a port number\n");
        console.reset();
        assertThat(Main.run(new String[] {"--frobnicate"})).isEqualTo(2);
        assertThat(console.err()).isEqualTo("prober: unknown argument \"--frobnicate\" (see --help)\n");
        console.reset();
        assertThat(Main.run(new String[] {"--config"})).isEqualTo(2);
        assertThat(console.err()).isEqualTo("prober: --config needs a value\n");
    }

    @Test
    void aPortInUseIsOneLineExitOne() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            Path f = Files.writeString(dir.resolve("p.yml"), "probes:\n- name: a\n  url: http://127.0.0.1:1/\n");
            assertThat(Main.run(new String[] {"--config", f.toString(), "--metrics-port=" + taken.getLocalPort()}))
                    .isEqualTo(1);
            assertThat(console.err()).startsWith("prober: cannot listen on 127.0.0.1:" + taken.getLocalPort() + ": ")
                    .hasLineCount(1);
        }
    }
}
