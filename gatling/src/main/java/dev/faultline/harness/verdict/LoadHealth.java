package dev.faultline.harness.verdict;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The load generator's own health in one phase: how late its threads woke up (a hiccup meter: a thread asking to
 * sleep 5 ms and measuring how much longer it took, as jHiccup does), how many users it started against how many
 * its injection profile asked for, and how busy the machine was. A phase whose load generator fell behind is not
 * judged: its numbers describe the machine, not the system under test.
 *
 * @param hiccupP99Millis 99th percentile of the hiccups (ms)
 * @param hiccupMaxMillis the longest hiccup (ms)
 * @param usersStarted users (players, polling hosts) started in the phase
 * @param usersExpected users the injection profile schedules in the phase (NaN: no fixed schedule, e.g. hosts that
 *                      keep polling)
 * @param usersPerSecond the phase's scheduled users per second (for the clock slack)
 * @param machineBusy share of the machine's CPU time not idle during the phase (0..1, NaN: unknown)
 * @param foreignCores cores used by processes that are not the run's (machine busy less the run's own processes:
 *                     this JVM and its children), NaN: unknown
 * @param cpus the machine's cores
 */
public record LoadHealth(double hiccupP99Millis, double hiccupMaxMillis, long usersStarted, double usersExpected,
                         double usersPerSecond, double machineBusy, double foreignCores, int cpus) {
    public LoadHealth(double hiccupP99Millis, double hiccupMaxMillis, long usersStarted, double usersExpected,
                      double machineBusy) {
        this(hiccupP99Millis, hiccupMaxMillis, usersStarted, usersExpected, 0, machineBusy, Double.NaN, 0);
    }

    public LoadHealth(double hiccupP99Millis, double hiccupMaxMillis, long usersStarted, double usersExpected,
                      double machineBusy, double foreignCores, int cpus) {
        this(hiccupP99Millis, hiccupMaxMillis, usersStarted, usersExpected, 0, machineBusy, foreignCores, cpus);
    }

    /** Hiccups above this at the 99th percentile mean the load generator could not run when it had to (ms). */
    public static final double MAX_HICCUP_P99_MILLIS = 200;
    /** Fewer users than this share of the schedule mean the load generator fell behind it ... */
    public static final double MIN_USERS_STARTED = 0.9;
    /**
     * ... less this many seconds' worth of users: the phase clock and Gatling's injection clock start apart (by the
     * time Gatling takes to start its first users), which moves users across phase boundaries.
     */
    public static final double CLOCK_SLACK_SECONDS = 2;
    /** A machine at least this busy ... */
    public static final double MAX_MACHINE_BUSY = 0.9;
    /**
     * ... with at least this many cores' worth of other work than the run's was not the run's to measure. On a quiet
     * machine the run leaves 0.0-0.1 cores to others; one core of stress-ng on a machine the run saturates gets
     * 0.3-0.5 (the scheduler shares the cores among runnable threads), already enough to reorder the connection
     * storm's collapsed phases.
     */
    public static final double MAX_FOREIGN_CORES = 0.25;

    /** Why the load generator could not keep up, or empty when it could. */
    public Optional<String> saturated() {
        List<String> why = new ArrayList<>();
        if (hiccupP99Millis > MAX_HICCUP_P99_MILLIS) {
            why.add(String.format(Locale.ROOT, "its threads woke %.0f ms late at p99 (bound %.0f ms)", hiccupP99Millis,
                    MAX_HICCUP_P99_MILLIS));
        }
        if (Double.isFinite(usersExpected) && usersExpected >= 10
                && usersStarted < MIN_USERS_STARTED * usersExpected - CLOCK_SLACK_SECONDS * usersPerSecond) {
            why.add(String.format(Locale.ROOT, "it started %d of %.0f scheduled users", usersStarted, usersExpected));
        }
        if (machineBusy >= MAX_MACHINE_BUSY && foreignCores >= MAX_FOREIGN_CORES) {
            why.add(String.format(Locale.ROOT, "the machine was %.0f %% busy and %.1f of its %d cores ran other work"
                    + " than this run's", machineBusy * 100, foreignCores, cpus));
        }
        if (why.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of("load generator saturated: " + String.join(", ", why)
                + (Double.isFinite(machineBusy) && why.stream().noneMatch(w -> w.startsWith("the machine"))
                ? String.format(Locale.ROOT, " (machine CPU %.0f %% busy)", machineBusy * 100) : ""));
    }

    /** The figures for the run's JSON ({@code null} where unknown). */
    public java.util.Map<String, Object> toMap() {
        java.util.Map<String, Object> m = new java.util.LinkedHashMap<>();
        m.put("hiccupP99Millis", hiccupP99Millis);
        m.put("hiccupMaxMillis", hiccupMaxMillis);
        m.put("usersStarted", usersStarted);
        m.put("usersExpected", Double.isFinite(usersExpected) ? usersExpected : null);
        m.put("machineCpuBusy", Double.isFinite(machineBusy) ? machineBusy : null);
        m.put("otherWorkCores", Double.isFinite(foreignCores) ? foreignCores : null);
        m.put("saturated", saturated().orElse(null));
        return m;
    }

    /** One line for the console and the report. */
    public String describe() {
        return String.format(Locale.ROOT, "hiccups p99 %.1f ms, max %.1f ms; users %d%s; machine CPU %s",
                hiccupP99Millis, hiccupMaxMillis, usersStarted,
                Double.isFinite(usersExpected) ? String.format(Locale.ROOT, " of %.0f scheduled", usersExpected) : "",
                Double.isFinite(machineBusy) ? String.format(Locale.ROOT, "%.0f %% busy", machineBusy * 100)
                        + (Double.isFinite(foreignCores) ? String.format(Locale.ROOT, ", %.1f cores of other work",
                        foreignCores) : "") : "unknown");
    }
}
