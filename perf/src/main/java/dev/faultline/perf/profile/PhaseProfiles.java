package dev.faultline.perf.profile;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One async-profiler recording per phase per JVM: at each phase boundary the recordings of the previous phase stop
 * and new ones start (off the caller's thread, in order); each finished recording is converted to a CPU flame
 * graph, CPU collapsed stacks and an allocation flame graph under {@code profiles/<phase>/<component>.*}, and
 * {@link #summarize} adds, for every phase after the baseline, a differential flame graph and the table of frames
 * whose share grew most, and writes {@code profiles/profiles.json}.
 */
public final class PhaseProfiles implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(PhaseProfiles.class);
    /** Frames listed per diff table. */
    public static final int DIFF_ROWS = 15;

    private final Path dir;
    private final String disabled;
    private final ExecutorService control = single("profiler-control");
    private final ExecutorService convert = single("profiler-convert");
    private final Map<String, Map<String, Recording>> phases = new LinkedHashMap<>();
    private final List<Future<?>> pending = new java.util.concurrent.CopyOnWriteArrayList<>();
    private Map<String, Recording> current = Map.of();

    /** One recording of one JVM in one phase; {@code error} says what went wrong, if anything. */
    static final class Recording {
        final String phase;
        final String component;
        final long pid;
        final Path jfr;
        volatile String event;
        volatile String error;
        volatile boolean converted;

        Recording(String phase, String component, long pid, Path jfr) {
            this.phase = phase;
            this.component = component;
            this.pid = pid;
            this.jfr = jfr;
        }

        Path file(String suffix) {
            return jfr.resolveSibling(component + suffix);
        }
    }

    /** Recordings under {@code profilesDir}; {@code enabled=false} records nothing and says so in the summary. */
    public PhaseProfiles(Path profilesDir, boolean enabled) {
        this.dir = profilesDir;
        this.disabled = enabled ? AsyncProfiler.unsupportedReason() : "profiling switched off (-Dprofile=false)";
    }

    private static ExecutorService single(String name) {
        return new ThreadPoolExecutor(1, 1, 0, TimeUnit.SECONDS, new LinkedBlockingQueue<>(1024), r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        });
    }

    /** Null when recordings are made, else why not. */
    public String disabledReason() {
        return disabled;
    }

    /** Phase boundary: stops the running recordings and starts one per JVM ({@code component -> pid}) for {@code phase}. */
    public synchronized void enter(String phase, Map<String, Long> pids) {
        stopCurrent();
        if (disabled != null) {
            return;
        }
        Map<String, Recording> next = new LinkedHashMap<>();
        pids.forEach((component, pid) -> next.put(component,
                new Recording(phase, component, pid, dir.resolve(phase).resolve(component + ".jfr"))));
        phases.put(phase, next);
        current = next;
        for (Recording r : next.values()) {
            pending.add(control.submit(() -> {
                try {
                    r.event = AsyncProfiler.start(r.pid, r.jfr);
                } catch (IOException | RuntimeException e) {
                    r.error = e.getMessage();
                    LOG.warn("profiling {} in {}: {}", r.component, r.phase, r.error);
                }
            }));
        }
    }

    /**
     * Stops the running recordings and waits (at most {@code timeout}) until they are written: before a JVM that
     * is being profiled is stopped (a restart at a phase boundary), which would otherwise lose its recording.
     */
    public void stopAndWait(Duration timeout) {
        synchronized (this) {
            stopCurrent();
        }
        try {
            control.submit(() -> { }).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (java.util.concurrent.ExecutionException | TimeoutException e) {
            LOG.warn("profiles not stopped within {}", timeout);
        }
    }

    /** Stops the running recordings (the end of the last phase). */
    public synchronized void finish() {
        stopCurrent();
    }

    private void stopCurrent() {
        for (Recording r : current.values()) {
            pending.add(control.submit(() -> {
                if (r.error != null) {
                    return;
                }
                try {
                    AsyncProfiler.stop(r.pid, r.jfr);
                } catch (IOException | RuntimeException e) {
                    r.error = e.getMessage();
                    LOG.warn("stopping the profile of {} in {}: {}", r.component, r.phase, r.error);
                    return;
                }
                pending.add(convert.submit(() -> convert(r)));
            }));
        }
        current = Map.of();
    }

    private static void convert(Recording r) {
        String title = r.component + " — " + r.phase;
        try {
            AsyncProfiler.convert(r.jfr, AsyncProfiler.Samples.CPU, r.file(".html"), title + " (CPU, " + r.event + ")");
            AsyncProfiler.convert(r.jfr, AsyncProfiler.Samples.CPU, r.file(".collapsed"), title);
            AsyncProfiler.convert(r.jfr, AsyncProfiler.Samples.ALLOC, r.file("-alloc.html"), title + " (allocations)");
            r.converted = true;
        } catch (IOException | RuntimeException e) {
            r.error = "converting: " + e.getMessage();
            LOG.warn("converting the profile of {} in {}: {}", r.component, r.phase, r.error);
        }
    }

    /** Waits (at most {@code timeout}) for every recording to be stopped and converted. */
    private void await(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        for (int i = 0; ; i++) {
            if (i >= pending.size()) {
                return;
            }
            Future<?> f = pending.get(i);
            try {
                f.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (TimeoutException e) {
                LOG.warn("profiles not finished within {}", timeout);
                return;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (java.util.concurrent.ExecutionException e) {
                LOG.warn("profile task failed: {}", e.getCause().toString());
            }
        }
    }

    /**
     * Finishes, waits for the conversions, makes a diff of each phase against {@code baseline} per JVM, and writes
     * and returns {@code profiles.json}: per phase and component the event used, the sample count, the files (paths
     * relative to the profiles directory), the frames that grew most, or the error.
     */
    public JsonObject summarize(String baseline, Duration timeout) throws IOException {
        finish();
        await(timeout);
        Files.createDirectories(dir);
        JsonObject out = new JsonObject().put("baseline", baseline).put("intervalCpu", AsyncProfiler.INTERVAL)
                .put("intervalAlloc", AsyncProfiler.ALLOC_INTERVAL);
        if (disabled != null) {
            out.put("disabled", disabled);
        }
        JsonArray list = new JsonArray();
        Map<String, Recording> base = phases.getOrDefault(baseline, Map.of());
        for (Map.Entry<String, Map<String, Recording>> phase : phases.entrySet()) {
            for (Recording r : phase.getValue().values()) {
                list.add(describe(r, base.get(r.component)));
            }
        }
        out.put("recordings", list);
        Files.writeString(dir.resolve("profiles.json"), out.encodePrettily());
        return out;
    }

    private JsonObject describe(Recording r, Recording base) {
        JsonObject o = new JsonObject().put("phase", r.phase).put("component", r.component).put("pid", r.pid)
                .put("event", r.event);
        if (r.error != null || !r.converted) {
            return o.put("error", r.error == null ? "not finished in time" : r.error);
        }
        o.put("cpuFlameGraph", rel(r.file(".html"))).put("collapsed", rel(r.file(".collapsed")))
                .put("allocFlameGraph", rel(r.file("-alloc.html"))).put("jfr", rel(r.jfr));
        try {
            Collapsed mine = Collapsed.parse(r.file(".collapsed"));
            o.put("samples", mine.total());
            if (base != null && base != r && base.converted && base.error == null) {
                Path diff = r.file("-diff.html");
                AsyncProfiler.diff(base.jfr, r.jfr, AsyncProfiler.Samples.CPU, diff,
                        r.component + ": " + r.phase + " against " + base.phase + " (CPU)");
                JsonArray rows = new JsonArray();
                for (Collapsed.FrameChange c : Collapsed.grewMost(Collapsed.parse(base.file(".collapsed")), mine,
                        DIFF_ROWS)) {
                    rows.add(new JsonObject().put("frame", c.frame()).put("baselineSelf", c.baselineSelf())
                            .put("phaseSelf", c.phaseSelf()).put("baselineTotal", c.baselineTotal())
                            .put("phaseTotal", c.phaseTotal()));
                }
                o.put("diffFlameGraph", rel(diff)).put("against", base.phase).put("grewMost", rows);
            }
        } catch (IOException | RuntimeException e) {
            o.put("error", "summarizing: " + e.getMessage());
        }
        return o;
    }

    private String rel(Path p) {
        return dir.relativize(p).toString();
    }

    @Override
    public void close() {
        control.shutdownNow();
        convert.shutdownNow();
    }
}
