package dev.faultline.harness.experiment;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** An experiment as data: load, target, and ordered phases with their faults and steady-state hypotheses. */
public record Experiment(String name, String description, Target target, Load load, Map<String, Object> proxy,
                         List<Phase> phases) {

    /** Where the load goes: through the edge link and the proxy, straight to the proxy, or to the server. */
    public enum Target { EDGE, PROXY, DIRECT }

    /** Open workload: new players per second, ramped up over {@code rampUp}; think time between guesses. */
    public record Load(double rate, Duration rampUp, Duration thinkMin, Duration thinkMax) {
    }

    /** A phase; {@code rate} overrides the load's rate (new players per second) for its duration. */
    public record Phase(String name, Duration duration, Optional<Double> rate, List<Fault> faults,
                        List<Hypothesis> hypotheses) {
        public double rateOr(double dflt) {
            return rate.orElse(dflt);
        }
    }

    /** A fault during a phase: a toxic on a link, or HTTP faults through the word-game admin API. */
    public sealed interface Fault permits Toxic, HttpFault {
    }

    public record Toxic(String link, String type, String stream, double toxicity, Map<String, Long> attributes)
            implements Fault {
    }

    public record HttpFault(double errorRate, int errorCode, long latencyMs, long jitterMs, List<String> paths)
            implements Fault {
    }

    /** A steady-state hypothesis checked over the phase's requests. */
    public sealed interface Hypothesis permits SuccessRatio, Latency, StatusPresence {
        String describe();
    }

    /** The share of requests answered 2xx/3xx is at least {@code min}. */
    public record SuccessRatio(double min) implements Hypothesis {
        public String describe() {
            return "success ratio >= " + min;
        }
    }

    /** A latency percentile is below (or, with {@code atLeast}, at least) a bound. */
    public record Latency(double percentile, Duration bound, boolean atLeast) implements Hypothesis {
        public String describe() {
            return "p" + fmt(percentile) + (atLeast ? " >= " : " < ") + bound.toMillis() + " ms";
        }
    }

    /** Answers with this status code appear (or do not). */
    public record StatusPresence(int code, boolean present) implements Hypothesis {
        public String describe() {
            return "status " + code + (present ? " appears" : " does not appear");
        }
    }

    static String fmt(double p) {
        return p == Math.rint(p) ? Long.toString((long) p) : Double.toString(p);
    }

    public Duration totalDuration() {
        return phases.stream().map(Phase::duration).reduce(Duration.ZERO, Duration::plus);
    }

    public Optional<Phase> phase(String phaseName) {
        return phases.stream().filter(p -> p.name().equals(phaseName)).findFirst();
    }
}
