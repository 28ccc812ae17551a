package dev.faultline.deploy;

import dev.faultline.testkit.ExternalTool;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/** Where things are in the repository, the external tools these tests need, and free loopback ports. */
final class Repo {
    static final ExternalTool PROMETHEUS =
            new ExternalTool("prometheus", "PROMETHEUS_BIN", "apt-get install -y prometheus");
    static final ExternalTool DOCKER_COMPOSE =
            new ExternalTool("docker-compose", "DOCKER_COMPOSE_BIN", "apt-get install -y docker-compose");

    private Repo() {
    }

    static Path root() {
        String p = System.getProperty("faultline.root");
        return (p == null ? Path.of("..") : Path.of(p)).toAbsolutePath().normalize();
    }

    static Path deploy(String relative) {
        return root().resolve("deploy").resolve(relative);
    }

    /** The jar a module's build makes and the Dockerfile copies: {@code <module>/target/<module>.jar}. */
    static Path jar(String module) {
        return root().resolve(module).resolve("target").resolve(module + ".jar");
    }

    /** Removes a directory a previous run left (tests keep their logs under deploy/target until the next run). */
    static void deleteRecursively(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    static int freePort() {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
