package dev.faultline.testkit;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Assumptions;

/**
 * An external binary a test needs. Found through its environment variable, then PATH, then extra places. Missing:
 * the test is skipped with a printed {@code SKIPPED: …} reason, except under CI ({@code CI=true}), where
 * {@code .ci/run} installs it and its absence is a failure.
 */
public final class ExternalTool {
    private final String name;
    private final String envVar;
    private final String installHint;
    private final List<Path> extraPlaces;

    public ExternalTool(String name, String envVar, String installHint, Path... extraPlaces) {
        this.name = name;
        this.envVar = envVar;
        this.installHint = installHint;
        this.extraPlaces = List.of(extraPlaces);
    }

    public Optional<Path> find() {
        List<Path> candidates = new ArrayList<>();
        String explicit = System.getenv(envVar);
        if (explicit != null && !explicit.isBlank()) {
            candidates.add(Path.of(explicit));
        }
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            if (!dir.isEmpty()) {
                candidates.add(Path.of(dir, name));
            }
        }
        candidates.addAll(extraPlaces);
        return candidates.stream().filter(Files::isExecutable).findFirst();
    }

    /** The tool's path; otherwise skips the test (locally) or fails it (under CI). */
    public Path require() {
        Optional<Path> p = find();
        if (p.isEmpty()) {
            String reason = name + " not found (" + envVar + ", PATH); " + installHint;
            if ("true".equals(System.getenv("CI"))) {
                fail(reason + " -- CI must have it");
            }
            System.out.println("SKIPPED: " + reason);
            Assumptions.abort(reason);
        }
        return p.get();
    }
}
