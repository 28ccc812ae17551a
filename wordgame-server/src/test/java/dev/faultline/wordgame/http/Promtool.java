package dev.faultline.wordgame.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * Runs the real {@code promtool} (Debian package {@code prometheus}). Where it is missing the test is skipped with a
 * printed reason, except under CI ({@code CI=true}), where {@code .ci/run} installs it and its absence fails.
 */
final class Promtool {
    private Promtool() {
    }

    static Optional<Path> find() {
        String explicit = System.getenv("PROMTOOL_BIN");
        if (explicit != null && Files.isExecutable(Path.of(explicit))) {
            return Optional.of(Path.of(explicit));
        }
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            Path p = Path.of(dir, "promtool");
            if (Files.isExecutable(p)) {
                return Optional.of(p);
            }
        }
        return Optional.empty();
    }

    static Path require() {
        Optional<Path> p = find();
        if (p.isEmpty()) {
            String reason = "promtool not found on PATH or PROMTOOL_BIN (apt-get install -y prometheus)";
            if ("true".equals(System.getenv("CI"))) {
                fail(reason + "; CI must have it");
            }
            System.out.println("SKIPPED: " + reason);
            Assumptions.abort(reason);
        }
        return p.get();
    }

    /** Asserts that {@code promtool check metrics} accepts the exposition text without any lint finding. */
    static void assertValidMetrics(String exposition) throws Exception {
        Process p = new ProcessBuilder(require().toString(), "check", "metrics").redirectErrorStream(true).start();
        try (var in = p.getOutputStream()) {
            in.write(exposition.getBytes(StandardCharsets.UTF_8));
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as("promtool check metrics said:\n" + out).isZero();
        assertThat(out.strip()).as("promtool lint findings").isEmpty();
    }
}
