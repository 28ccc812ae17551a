package dev.faultline.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/** The real {@code promtool} (Debian package {@code prometheus}). */
public final class Promtool {
    public static final ExternalTool TOOL =
            new ExternalTool("promtool", "PROMTOOL_BIN", "apt-get install -y prometheus");

    private Promtool() {
    }

    /** Asserts that {@code promtool check metrics} accepts the exposition text without any lint finding. */
    public static void assertValidMetrics(String exposition) throws Exception {
        Process p = new ProcessBuilder(TOOL.require().toString(), "check", "metrics").redirectErrorStream(true).start();
        try (var in = p.getOutputStream()) {
            in.write(exposition.getBytes(StandardCharsets.UTF_8));
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as("promtool check metrics said:\n" + out).isZero();
        assertThat(out.strip()).as("promtool lint findings").isEmpty();
    }
}
