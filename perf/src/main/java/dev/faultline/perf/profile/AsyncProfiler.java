package dev.faultline.perf.profile;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import one.profiler.AsyncProfilerLoader;

/**
 * async-profiler (bundled by ap-loader) attached to another JVM by pid: one JFR recording at a time per JVM, with
 * CPU samples (perf events where the kernel allows them, else {@code itimer}) and allocation samples, converted
 * in-process to flame-graph HTML and collapsed stacks.
 */
public final class AsyncProfiler {
    /** CPU sampling interval. */
    public static final String INTERVAL = "10ms";
    /** Allocation sampling: one sample per this many bytes allocated. */
    public static final String ALLOC_INTERVAL = "512k";

    private AsyncProfiler() {
    }

    /** Null when async-profiler can run here, else why not. */
    public static String unsupportedReason() {
        try {
            return AsyncProfilerLoader.isSupported() ? null
                    : "async-profiler has no build for " + System.getProperty("os.name") + "/" + System.getProperty("os.arch");
        } catch (RuntimeException | Error e) {
            return "async-profiler cannot load: " + e;
        }
    }

    /**
     * Starts a recording into {@code jfr} in the JVM {@code pid}; tries each CPU event in turn ({@code cpu}, then
     * {@code itimer}, then {@code wall}) and returns the one that worked.
     */
    public static String start(long pid, Path jfr) throws IOException {
        Files.createDirectories(jfr.toAbsolutePath().getParent());
        List<String> failures = new ArrayList<>();
        for (String event : List.of("cpu", "itimer", "wall")) {
            try {
                run("start", "-e", event, "-i", INTERVAL, "--alloc", ALLOC_INTERVAL, "-f", jfr.toString(),
                        Long.toString(pid));
                return event;
            } catch (IOException e) {
                failures.add(event + ": " + oneLine(e.getMessage()));
            }
        }
        throw new IOException("async-profiler could not start in pid " + pid + " (" + String.join("; ", failures) + ")");
    }

    /** Stops the recording in {@code pid}, which writes {@code jfr}. */
    public static void stop(long pid, Path jfr) throws IOException {
        run("stop", "-f", jfr.toString(), Long.toString(pid));
        if (!Files.isRegularFile(jfr)) {
            throw new IOException("async-profiler stopped in pid " + pid + " but wrote no " + jfr);
        }
    }

    private static void run(String... args) throws IOException {
        try {
            AsyncProfilerLoader.executeProfiler(args);
        } catch (IOException e) {
            throw new IOException("asprof " + String.join(" ", args) + ": " + oneLine(e.getMessage()), e);
        }
    }

    /** The kind of samples a conversion reads from a recording. */
    public enum Samples { CPU, ALLOC }

    /** Converts a recording to a flame graph ({@code .html}) or collapsed stacks ({@code .collapsed}). */
    public static void convert(Path jfr, Samples samples, Path out, String title) throws IOException {
        convert(List.of(jfr), samples, out, title, false);
    }

    /**
     * A differential flame graph: the frames of {@code phase} coloured by how their share changed from
     * {@code baseline} (async-profiler's converter, {@code --diff}).
     */
    public static void diff(Path baseline, Path phase, Samples samples, Path out, String title) throws IOException {
        convert(List.of(baseline, phase), samples, out, title, true);
    }

    private static void convert(List<Path> in, Samples samples, Path out, String title, boolean diff)
            throws IOException {
        List<String> args = new ArrayList<>(List.of("--" + samples.name().toLowerCase(Locale.ROOT), "--title", title));
        String name = out.getFileName().toString();
        args.add("-o");
        args.add(name.substring(name.lastIndexOf('.') + 1));
        if (diff) {
            args.add("--diff");
        }
        in.forEach(p -> args.add(p.toString()));
        args.add(out.toString());
        try {
            one.convert.Main.main(args.toArray(new String[0]));
        } catch (IOException e) {
            throw e;
        } catch (Exception e) {
            throw new IOException("converting " + in + " to " + out + ": " + e, e);
        }
        if (!Files.isRegularFile(out)) {
            throw new IOException("the converter wrote no " + out);
        }
    }

    private static String oneLine(String s) {
        return s == null ? "" : s.strip().replaceAll("\\s*\\R\\s*", " ");
    }
}
