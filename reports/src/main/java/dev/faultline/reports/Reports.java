package dev.faultline.reports;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Compiles runs into the Allure report: reads each run directory, builds the cases, writes
 * {@code allure-results} (into the first run's directory, or the suite's), and renders
 * {@code reports/allure-report/index.html} with the previous report's history.
 */
public final class Reports {
    private Reports() {
    }

    /**
     * @param repoRoot the checkout (for {@code reports/} and the commit)
     * @param runDirs  the experiments' run directories
     * @param results  where to write the Allure results
     * @param facts    extra environment facts (fault backend, JVM options...)
     * @return the rendered {@code index.html}
     */
    public static Path compile(Path repoRoot, List<Path> runDirs, Path results, Map<String, String> facts)
            throws IOException {
        return compile(repoRoot, runDirs, results, facts, repoRoot.resolve("reports").resolve("allure-report"));
    }

    /** As {@link #compile(Path, List, Path, Map)}, rendering into {@code reportDir}. */
    public static Path compile(Path repoRoot, List<Path> runDirs, Path results, Map<String, String> facts,
                               Path reportDir) throws IOException {
        AllureRenderer.deleteTree(results);
        AllureResults out = new AllureResults(results);
        List<RunResult> runs = new ArrayList<>();
        for (Path d : runDirs) {
            RunResult run = RunReader.read(d);
            runs.add(run);
            for (ReportModel.Case c : ReportBuilder.build(run, reportDir)) {
                out.write(c);
            }
        }
        Map<String, String> env = new LinkedHashMap<>();
        env.put("JDK", System.getProperty("java.vm.name") + " " + System.getProperty("java.version") + " ("
                + System.getProperty("java.vendor") + ")");
        env.put("OS", System.getProperty("os.name") + " " + System.getProperty("os.version") + " "
                + System.getProperty("os.arch"));
        env.put("Cores", Integer.toString(Runtime.getRuntime().availableProcessors()));
        env.put("Commit", commit(repoRoot));
        env.put("Experiments", String.join(", ", runs.stream().map(RunResult::experiment).toList()));
        if (!runs.isEmpty()) {
            env.put("Server-side metrics", runs.get(0).metricsSource());
            env.put("Profiler", runs.get(0).profilesDisabled() != null ? runs.get(0).profilesDisabled()
                    : "async-profiler (ap-loader) attached per phase, CPU " + runs.get(0).profiles().stream()
                    .map(RunResult.Profile::event).filter(e -> e != null).findFirst().orElse("?") + " + alloc");
        }
        env.putAll(facts);
        out.environment(env);
        String ci = System.getenv("CI");
        out.executor("true".equals(ci) ? "CI" : "local", "true".equals(ci) ? "ci" : "local",
                results.toAbsolutePath().getParent().getFileName().toString(), Instant.now().getEpochSecond(),
                "Faultline");
        out.categories();
        return AllureRenderer.render(AllureRenderer.home(repoRoot), results, reportDir, "Faultline");
    }

    /** The checkout's commit ({@code git rev-parse --short HEAD}), or "unknown". */
    static String commit(Path repoRoot) {
        try {
            Process p = new ProcessBuilder("git", "-C", repoRoot.toString(), "rev-parse", "--short", "HEAD")
                    .redirectErrorStream(true).start();
            if (!p.waitFor(5, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return "unknown";
            }
            String out = new String(p.getInputStream().readAllBytes()).strip();
            return p.exitValue() == 0 && !out.isEmpty() ? out : "unknown";
        } catch (IOException e) {
            return "unknown";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "unknown";
        }
    }

    /** {@code java -cp reports.jar dev.faultline.reports.Reports <run-dir>...}: rebuilds the report from run directories. */
    public static void main(String[] args) {
        if (args.length == 0 || args[0].equals("--help")) {
            System.out.println("usage: Reports <run-dir>... (rebuilds reports/allure-report from run directories)");
            System.exit(args.length == 0 ? 2 : 0);
        }
        List<Path> dirs = new ArrayList<>();
        for (String a : args) {
            if (!Files.isDirectory(Path.of(a))) {
                System.err.println("reports: " + a + " is not a run directory");
                System.exit(2);
            }
            dirs.add(Path.of(a).toAbsolutePath());
        }
        try {
            Path root = Path.of(System.getProperty("faultline.root", ".")).toAbsolutePath().normalize();
            Path index = compile(root, dirs, dirs.get(0).resolve("allure-results"), Map.of());
            System.out.println("Report: " + index);
        } catch (IOException e) {
            System.err.println("reports: " + e.getMessage());
            System.exit(1);
        }
    }
}
