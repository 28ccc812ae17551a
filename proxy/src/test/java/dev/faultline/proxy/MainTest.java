package dev.faultline.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.faultline.testkit.ConsoleCapture;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** The command line: --check-config, overrides, and one-line errors with exit codes. */
class MainTest {
    @RegisterExtension
    final ConsoleCapture console = new ConsoleCapture();

    @TempDir
    Path dir;

    @Test
    void checkConfigAcceptsTheSpecExample() throws Exception {
        Path f = dir.resolve("proxy.yml");
        try (var in = getClass().getResourceAsStream("/spec-example.yml")) {
            Files.copy(in, f);
        }
        assertThat(Main.run(new String[] {"--config", f.toString(), "--check-config"})).isZero();
        assertThat(console.out()).isEqualTo("proxy: " + f + " is valid (1 routes)\n");
    }

    @Test
    void aBadConfigIsOneLineExitTwo() throws Exception {
        Path f = Files.writeString(dir.resolve("proxy.yml"), "paths:\n- path: /a\n  forwardPort: 1\n  timeout: 1x\n");
        assertThat(Main.run(new String[] {"--config", f.toString(), "--check-config"})).isEqualTo(2);
        assertThat(console.err()).isEqualTo("proxy: paths[0].timeout: \"1x\" is not a duration (e.g. 500ms, 1s, 2m)\n");
    }

    @Test
    void missingFilesAndArgumentsAreOneLineExitTwo() {
        assertThat(Main.run(new String[] {"--config", dir.resolve("none.yml").toString()})).isEqualTo(2);
        assertThat(console.err()).isEqualTo("proxy: " + dir.resolve("none.yml") + ": no such file\n");
        console.reset();
        assertThat(Main.run(new String[] {"--port", "x", "--config", "a"})).isEqualTo(2);
        assertThat(console.err()).isEqualTo("proxy: --port: \"x\" is not a port number\n");
        console.reset();
        assertThat(Main.run(new String[] {"--frobnicate"})).isEqualTo(2);
        assertThat(console.err()).isEqualTo("proxy: unknown argument \"--frobnicate\" (see --help)\n");
    }

    @Test
    void aPortInUseIsOneLineExitOne() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            Path f = Files.writeString(dir.resolve("proxy.yml"), "host: 127.0.0.1\nport: " + taken.getLocalPort()
                    + "\nmetrics: {port: 0}\npaths:\n- path: /a\n  forwardPort: 1\n");
            assertThat(Main.run(new String[] {"--config", f.toString()})).isEqualTo(1);
            assertThat(console.err()).startsWith("proxy: cannot listen on 127.0.0.1:" + taken.getLocalPort() + ": ")
                    .hasLineCount(1);
        }
    }
}
