package dev.faultline.reports;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Renders Allure results with allure-commandline (unpacked by the build into {@code reports/target/allure-*}):
 * carries the previous report's {@code history/} into the results for trends, generates the report directory, then
 * replaces its {@code index.html} with the single-file rendering so it opens straight from disk.
 */
public final class AllureRenderer {
    private static final long TIMEOUT_SECONDS = 300;

    private AllureRenderer() {
    }

    /** allure-commandline's home: {@code -Dfaultline.allure.home}, else the newest {@code reports/target/allure-*}. */
    public static Path home(Path repoRoot) throws IOException {
        String p = System.getProperty("faultline.allure.home");
        if (p != null && Files.isDirectory(Path.of(p))) {
            return Path.of(p);
        }
        Path target = repoRoot.resolve("reports").resolve("target");
        if (Files.isDirectory(target)) {
            try (Stream<Path> s = Files.list(target)) {
                Path found = s.filter(d -> d.getFileName().toString().matches("allure-\\d.*"))
                        .filter(d -> Files.isDirectory(d.resolve("lib"))).max(Comparator.naturalOrder()).orElse(null);
                if (found != null) {
                    return found;
                }
            }
        }
        throw new IOException("allure-commandline not found (build the reports module: ./mvnw -pl reports package)");
    }

    /** Generates {@code reportDir} from {@code results}; returns its {@code index.html}. */
    public static Path render(Path allureHome, Path results, Path reportDir, String name) throws IOException {
        Path history = reportDir.resolve("history");
        if (Files.isDirectory(history)) {
            Path into = results.resolve("history");
            Files.createDirectories(into);
            try (Stream<Path> s = Files.list(history)) {
                for (Path f : (Iterable<Path>) s::iterator) {
                    Files.copy(f, into.resolve(f.getFileName()), StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
        Path single = results.resolveSibling(results.getFileName() + "-single");
        run(allureHome, List.of("generate", "--clean", "--name", name, "-o", reportDir.toString(), results.toString()));
        run(allureHome, List.of("generate", "--clean", "--single-file", "--name", name, "-o", single.toString(),
                results.toString()));
        Path index = reportDir.resolve("index.html");
        Files.copy(single.resolve("index.html"), index, StandardCopyOption.REPLACE_EXISTING);
        deleteTree(single);
        return index;
    }

    private static void run(Path home, List<String> args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx512m", "-cp", home.resolve("lib") + "/*" + java.io.File.pathSeparator + home.resolve("lib").resolve("config")));
        cmd.add("io.qameta.allure.CommandLine");
        cmd.addAll(args);
        Path log = Files.createTempFile("allure", ".log");
        try {
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
            pb.environment().put("APP_HOME", home.toString());
            Process p = dev.faultline.runtime.process.ParentBound.start(pb); // dies with this JVM, even on kill -9
            try {
                if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                    throw new IOException("allure " + args.get(0) + " did not finish in " + TIMEOUT_SECONDS + " s");
                }
            } catch (InterruptedException e) {
                p.destroyForcibly();
                Thread.currentThread().interrupt();
                throw new IOException("interrupted rendering the report", e);
            }
            if (p.exitValue() != 0) {
                List<String> out = Files.readAllLines(log);
                throw new IOException("allure " + String.join(" ", args) + " failed (exit " + p.exitValue() + "): "
                        + String.join(" | ", out.subList(Math.max(0, out.size() - 5), out.size())));
            }
        } finally {
            Files.deleteIfExists(log);
        }
    }

    static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) s.sorted(Comparator.reverseOrder())::iterator) {
                Files.delete(p);
            }
        }
    }
}
