package dev.faultline.reports;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * One experiment's run as the report sees it ({@code gatlingReport} is where the harness puts Gatling's report, which
 * Gatling writes after the report is compiled), read from its run directory by {@link RunReader}: the phases as they
 * ran, the verdicts, what the load saw per second, the server-side numbers per phase, and the profiles.
 */
public record RunResult(String experiment, String description, String target, Path dir, long startMillis,
                        boolean passed, String harnessError, String metricsSource, boolean prometheus,
                        List<Phase> phases, List<Verdict> verdicts, List<ClientPoint> client,
                        Map<String, Map<String, Double>> server, Map<String, String> serverUnits,
                        Map<String, List<double[]>> serverSeries, List<Profile> profiles, String profilesDisabled,
                        Path gatlingReport, List<Path> logs) {

    /** A phase as it ran: window, offered rate (new players/s) and the faults applied. */
    /** A phase as it ran; {@code tls} describes a TLS experiment's server and hosts ("" otherwise). */
    public record Phase(String name, long startMillis, long durationMillis, double rate, List<String> faults,
                        String tls) {
        public Phase(String name, long startMillis, long durationMillis, double rate, List<String> faults) {
            this(name, startMillis, durationMillis, rate, faults, "");
        }

        public long endMillis() {
            return startMillis + durationMillis;
        }
    }

    /**
     * A judged hypothesis; {@code error} non-null when it could not be judged (a harness failure), {@code unjudged}
     * non-null when it was deliberately not judged (the load generator was saturated: the numbers describe the
     * machine).
     */
    public record Verdict(String phase, String hypothesis, String bound, String measured, long requests,
                          boolean passed, String error, String unjudged) {
        public Verdict(String phase, String hypothesis, String bound, String measured, long requests, boolean passed,
                       String error) {
            this(phase, hypothesis, bound, measured, requests, passed, error, null);
        }
    }

    /** One second of load: requests started, errors (no answer or 5xx), latency percentiles. */
    public record ClientPoint(long t, long requests, long errors, double p50Millis, double p99Millis) {
    }

    /** A frame whose share of the CPU samples grew from the baseline to the phase. */
    public record FrameGrowth(String frame, double baselineSelf, double phaseSelf, double baselineTotal,
                              double phaseTotal) {
    }

    /** One JVM's recording in one phase; files are absolute, null when absent. */
    public record Profile(String phase, String component, String event, long samples, String error, Path cpuFlameGraph,
                          Path allocFlameGraph, Path collapsed, Path diffFlameGraph, String against,
                          List<FrameGrowth> grewMost) {
    }

    public List<Verdict> verdictsOf(String phase) {
        return verdicts.stream().filter(v -> v.phase().equals(phase)).toList();
    }

    public List<Profile> profilesOf(String phase) {
        return profiles.stream().filter(p -> p.phase().equals(phase)).toList();
    }
}
