package dev.faultline.harness.run;

import dev.faultline.harness.verdict.LoadHealth;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;

/**
 * Watches the load generator (this JVM) while a run's phases go by: a hiccup meter thread (asks to sleep
 * {@value #TICK_MILLIS} ms, records how much longer it took), the users started per phase, and the machine's CPU
 * from {@code /proc/stat} at each boundary. {@link #health} gives a phase's {@link LoadHealth}.
 */
final class LoadMonitor implements AutoCloseable {
    static final long TICK_MILLIS = 5;
    private static final long MAX_HICCUP_NANOS = 3_600_000_000_000L;

    private record Boundary(String phase, long[] cpu, long nanoTime, Map<Long, Double> runCpu) {
    }

    private final Map<String, Histogram> hiccups = new LinkedHashMap<>();
    private final Map<String, AtomicLong> users = new LinkedHashMap<>();
    private final Map<String, Boundary> boundaries = new LinkedHashMap<>();
    private volatile Histogram current;
    private volatile boolean running = true;
    private final Thread meter = new Thread(this::measure, "load-hiccup-meter");

    LoadMonitor() {
        meter.setDaemon(true);
        meter.start();
    }

    private void measure() {
        long tick = TICK_MILLIS * 1_000_000L;
        while (running) {
            long t0 = System.nanoTime();
            LockSupport.parkNanos(tick);
            long late = System.nanoTime() - t0 - tick;
            Histogram h = current;
            if (h != null) {
                synchronized (h) {
                    h.recordValue(Math.max(0, Math.min(MAX_HICCUP_NANOS, late)));
                }
            }
        }
    }

    /** A phase begins ({@code END} for the end of the last one). */
    synchronized void boundary(String phase) {
        boundaries.put(phase, new Boundary(phase, machineCpu(), System.nanoTime(), runCpu()));
        Histogram h = new Histogram(MAX_HICCUP_NANOS, 2);
        hiccups.put(phase, h);
        users.putIfAbsent(phase, new AtomicLong());
        current = h;
    }

    /** A user (player, polling host) started in {@code phase}. */
    void userStarted(String phase) {
        AtomicLong n;
        synchronized (this) {
            n = users.computeIfAbsent(phase, p -> new AtomicLong());
        }
        n.incrementAndGet();
    }

    /** A phase's health; {@code next} is the boundary that ended it. */
    synchronized LoadHealth health(String phase, String next, double usersExpected, double usersPerSecond) {
        Histogram h = hiccups.get(phase);
        double p99 = 0;
        double max = 0;
        if (h != null) {
            synchronized (h) {
                if (h.getTotalCount() > 0) {
                    p99 = h.getValueAtPercentile(99) / 1e6;
                    max = h.getMaxValue() / 1e6;
                }
            }
        }
        Boundary a = boundaries.get(phase);
        Boundary b = boundaries.get(next);
        double busy = Double.NaN;
        double foreign = Double.NaN;
        if (a != null && b != null && a.cpu() != null && b.cpu() != null) {
            double total = b.cpu()[0] - a.cpu()[0];
            double idle = b.cpu()[1] - a.cpu()[1];
            double interrupts = b.cpu()[2] - a.cpu()[2];
            busy = total > 0 ? 1 - idle / total : Double.NaN;
            // interrupt time (mostly the loopback traffic of the run itself) is nobody's process time: left out
            double processes = total > 0 ? busy - interrupts / total : Double.NaN;
            foreign = foreignCores(processes, CPUS, (b.nanoTime() - a.nanoTime()) / 1e9, a.runCpu(), b.runCpu());
        }
        AtomicLong n = users.get(phase);
        return new LoadHealth(p99, max, n == null ? 0 : n.get(), usersExpected, usersPerSecond, busy, foreign, CPUS);
    }

    private static final int CPUS = Runtime.getRuntime().availableProcessors();

    /**
     * Cores' worth of other work than the run's: the machine's busy share of {@code cpus} cores less the run's own
     * processes' CPU over {@code seconds} (CPU seconds by pid at the start and the end; a process that started
     * within the window, a restarted server, spent all its CPU in it).
     */
    static double foreignCores(double busy, int cpus, double seconds, Map<Long, Double> start, Map<Long, Double> end) {
        if (!(seconds > 0) || Double.isNaN(busy)) {
            return Double.NaN;
        }
        double run = 0;
        for (Map.Entry<Long, Double> e : end.entrySet()) {
            run += e.getValue() - start.getOrDefault(e.getKey(), 0.0);
        }
        return Math.max(0, busy * cpus - run / seconds);
    }

    /**
     * CPU seconds of the run's own processes (this JVM and everything it started: the servers, Prometheus) by pid;
     * a process that ends within a phase drops out of it (its CPU after the phase's start then counts as the
     * machine's other work), one that starts within it counts whole.
     */
    static Map<Long, Double> runCpu() {
        Map<Long, Double> out = new java.util.HashMap<>();
        java.util.stream.Stream.concat(java.util.stream.Stream.of(ProcessHandle.current()),
                        ProcessHandle.current().descendants())
                .forEach(h -> h.info().totalCpuDuration().ifPresent(d -> out.put(h.pid(), d.toNanos() / 1e9)));
        return out;
    }

    /** {total, idle + iowait, irq + softirq} jiffies of all CPUs from /proc/stat; null where there is none. */
    static long[] machineCpu() {
        try {
            String first = Files.readAllLines(Path.of("/proc/stat")).get(0);
            String[] f = first.trim().split("\\s+");
            long total = 0;
            for (int i = 1; i < f.length && i <= 8; i++) {
                total += Long.parseLong(f[i]);
            }
            return new long[] {total, Long.parseLong(f[4]) + Long.parseLong(f[5]),
                Long.parseLong(f[6]) + Long.parseLong(f[7])};
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    @Override
    public void close() {
        running = false;
    }
}
