package dev.faultline.wordgame;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import dev.faultline.testkit.ConsoleCapture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** What a user sees from the command line when something is wrong: one line and a non-zero exit. */
class MainTest {
    @RegisterExtension
    final ConsoleCapture console = new ConsoleCapture();

    @TempDir
    Path dir;

    private String err() {
        return console.err();
    }

    @Test
    void helpPrintsUsageAndExitsZero() {
        assertThat(Main.run(new String[] {"--help"})).isZero();
        assertThat(console.out()).startsWith("Usage: java -jar wordgame-server.jar")
                .contains("--port", "WORDGAME_PORT");
    }

    @Test
    void aBadFlagIsOneLineAndExitTwo() {
        assertThat(Main.run(new String[] {"--port", "eighty"})).isEqualTo(2);
        assertThat(err()).isEqualTo("wordgame-server: --port: \"eighty\" is not a whole number\n");
    }

    @Test
    void aBadWordFileIsOneLineAndExitTwo() throws Exception {
        Path words = Files.writeString(dir.resolve("w.txt"), "fine\nnot fine\n");
        assertThat(Main.run(new String[] {"--words", words.toString()})).isEqualTo(2);
        assertThat(err()).isEqualTo("wordgame-server: " + words + ":2: \"not fine\" is not a word of letters A-Z only\n");
    }

    @Test
    void aPortInUseIsOneLineAndExitOne() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
            int port = taken.getLocalPort();
            assertThat(Main.run(new String[] {"--host", "127.0.0.1", "--port", Integer.toString(port),
                "--access-log=false"})).isEqualTo(1);
            assertThat(err()).startsWith("wordgame-server: cannot listen on 127.0.0.1:" + port + ": ")
                    .contains("in use").hasLineCount(1);
        }
    }
}
