package dev.faultline.chaos;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.faultline.chaos.proxy.ProxyRegistry;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import dev.faultline.testkit.ConsoleCapture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** The command line: the real server's flags, a config file, and one-line errors with the right exit code. */
class MainTest {
    @RegisterExtension
    final ConsoleCapture console = new ConsoleCapture();

    @TempDir
    Path dir;

    private String err() {
        return console.err();
    }

    @Test
    void helpNamesBothFlagSpellings() {
        assertThat(Main.run(new String[] {"-help"})).isZero();
        assertThat(console.out()).contains("--host", "--port", "--config", "-host");
    }

    @Test
    void unknownArgumentsAndBadPortsAreOneLineExitTwo() {
        assertThat(Main.run(new String[] {"--bogus"})).isEqualTo(2);
        assertThat(err()).isEqualTo("chaos: unknown argument \"--bogus\" (see --help)\n");
        console.reset();
        assertThat(Main.run(new String[] {"-port", "http"})).isEqualTo(2);
        assertThat(err()).isEqualTo("chaos: --port: \"http\" is not a port number\n");
        console.reset();
        assertThat(Main.run(new String[] {"--host"})).isEqualTo(2);
        assertThat(err()).isEqualTo("chaos: --host needs a value\n");
    }

    @Test
    void aBadConfigIsOneLineExitTwo() throws Exception {
        Path bad = Files.writeString(dir.resolve("c.json"), "{\"name\":\"x\"}");
        assertThat(Main.run(new String[] {"-config", bad.toString(), "-port", "0"})).isEqualTo(2);
        assertThat(err()).isEqualTo("chaos: --config: " + bad + ": is not a JSON array of proxies\n");
        console.reset();
        Path noName = Files.writeString(dir.resolve("d.json"), "[{\"upstream\":\"x:1\"}]");
        assertThat(Main.run(new String[] {"-config", noName.toString(), "-port", "0"})).isEqualTo(2);
        assertThat(err()).isEqualTo("chaos: --config: " + noName + ": [0] needs a \"name\" and an \"upstream\"\n");
    }

    @Test
    void aConfigFileIsReadAsTheRealServerReadsIt() throws Exception {
        Path config = Files.writeString(dir.resolve("c.json"), "[{\"name\":\"a\",\"listen\":\"127.0.0.1:0\","
                + "\"upstream\":\"127.0.0.1:1\"},{\"name\":\"b\",\"upstream\":\"127.0.0.1:2\",\"enabled\":false}]");
        List<ProxyRegistry.ProxyInput> proxies = Main.readConfig(config);
        assertThat(proxies).containsExactly(new ProxyRegistry.ProxyInput("a", "127.0.0.1:0", "127.0.0.1:1", true),
                new ProxyRegistry.ProxyInput("b", "", "127.0.0.1:2", false));
        assertThatThrownBy(() -> Main.readConfig(dir.resolve("none.json"))).hasMessageContaining("cannot be read");
    }

    @Test
    void anApiPortInUseIsOneLineExitOne() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            assertThat(Main.run(new String[] {"-host", "127.0.0.1", "-port", Integer.toString(taken.getLocalPort())}))
                    .isEqualTo(1);
            assertThat(err()).startsWith("chaos: cannot listen on 127.0.0.1:" + taken.getLocalPort() + ": ")
                    .hasLineCount(1);
        }
    }
}
