package dev.faultline.runtime.process;

import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * A run's children written down as pid files ({@code <runDir>/pids/<name>.pid}: pid, start time, command), so that
 * a later run can find and stop what an earlier one left running (its JVM killed before it could stop them).
 * A process counts as the same one only when its pid <em>and</em> start time match, so a reused pid is never hit.
 */
public final class PidFiles {
    static final String DIR = "pids";

    private PidFiles() {
    }

    /** Writes {@code <runDir>/pids/<name>.pid} for {@code process}; returns the file. */
    public static Path write(Path runDir, String name, ProcessHandle process) throws IOException {
        Path dir = runDir.resolve(DIR);
        Files.createDirectories(dir);
        Properties p = new Properties();
        p.setProperty("name", name);
        p.setProperty("pid", Long.toString(process.pid()));
        process.info().startInstant().ifPresent(t -> p.setProperty("started", Long.toString(t.toEpochMilli())));
        process.info().commandLine().ifPresent(c -> p.setProperty("command", c));
        Path file = dir.resolve(name + ".pid");
        try (Writer w = Files.newBufferedWriter(file)) {
            p.store(w, "a child of this Faultline run; a later run stops it if it is still running");
        }
        return file;
    }

    /** Removes the pid file of a child that was stopped. */
    public static void remove(Path runDir, String name) {
        try {
            Files.deleteIfExists(runDir.resolve(DIR).resolve(name + ".pid"));
        } catch (IOException e) {
            // a stale file is harmless: the next sweep finds the process gone
        }
    }

    /**
     * Stops every process still running that a run under {@code runsRoot} wrote a pid file for (SIGTERM, then
     * SIGKILL after {@code graceSeconds}), says so through {@code say}, and removes the files. Returns what it
     * stopped, as {@code name (pid N) of run R}.
     */
    public static List<String> sweep(Path runsRoot, long graceSeconds, Consumer<String> say) {
        List<String> stopped = new ArrayList<>();
        if (!Files.isDirectory(runsRoot)) {
            return stopped;
        }
        List<Path> files;
        try (Stream<Path> s = Files.find(runsRoot, 3, (p, a) -> a.isRegularFile() && p.toString().endsWith(".pid")
                && p.getParent().getFileName().toString().equals(DIR))) {
            files = s.sorted().toList();
        } catch (IOException e) {
            say.accept("could not look for leftovers of earlier runs under " + runsRoot + ": " + e.getMessage());
            return stopped;
        }
        for (Path file : files) {
            Optional<ProcessHandle> live = liveProcess(file);
            if (live.isPresent()) {
                String run = file.getParent().getParent().getFileName().toString();
                String name = file.getFileName().toString().replaceFirst("\\.pid$", "");
                String what = name + " (pid " + live.get().pid() + ") of run " + run;
                terminate(live.get(), graceSeconds);
                say.accept("stopped " + what + ", left running by a run that did not end cleanly");
                stopped.add(what);
            }
            try {
                Files.deleteIfExists(file);
            } catch (IOException e) {
                say.accept("could not remove " + file + ": " + e.getMessage());
            }
        }
        return stopped;
    }

    /** The process a pid file names, when it is still running (same pid, same start time). */
    static Optional<ProcessHandle> liveProcess(Path file) {
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(file)) {
            p.load(r);
            long pid = Long.parseLong(p.getProperty("pid", "").strip());
            String started = p.getProperty("started");
            return ProcessHandle.of(pid).filter(ProcessHandle::isAlive).filter(h -> started != null
                    && h.info().startInstant().map(Instant::toEpochMilli)
                            .map(t -> Math.abs(t - Long.parseLong(started.strip())) < 1000).orElse(false));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    private static void terminate(ProcessHandle process, long graceSeconds) {
        List<ProcessHandle> descendants = process.descendants().toList();
        process.destroy();
        try {
            process.onExit().get(graceSeconds, TimeUnit.SECONDS);
        } catch (Exception e) {
            process.destroyForcibly();
        }
        descendants.forEach(ProcessHandle::destroyForcibly);
    }
}
