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
    public record Load(double rate, Duration rampUp, Duration thinkMin, Duration thinkMax, Mix mix) {
        public Load(double rate, Duration rampUp, Duration thinkMin, Duration thinkMax) {
            this(rate, rampUp, thinkMin, thinkMax, Mix.NONE);
        }
    }

    /**
     * Traffic beside the players, as a production traffic generator would send it: a burst of {@code burstSize}
     * rapid new games every {@code burstEvery}; {@code errorProne} users per second sending bad requests (a guess
     * that is not a letter, a guess on an unknown game, an unknown path), answered 4xx and kept out of the
     * hypotheses; {@code slow} users per second playing with 1-3 s of think time.
     */
    public record Mix(Duration burstEvery, int burstSize, double errorProne, double slow) {
        public static final Mix NONE = new Mix(Duration.ZERO, 0, 0, 0);

        public boolean bursts() {
            return burstSize > 0 && !burstEvery.isZero();
        }
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
    public sealed interface Hypothesis permits SuccessRatio, Latency, StatusPresence, ServerBound {
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

    /**
     * A server-side number of the phase against a bound: a standard measure ({@code proxy.retries}, computed from
     * Prometheus or from /metrics snapshots) or a PromQL expression ({@code $window} = the phase's range), which
     * needs a Prometheus.
     */
    public record ServerBound(String measure, String promql, String op, double bound) implements Hypothesis {
        public String describe() {
            return "server " + (measure != null ? measure : promql) + " " + op + " " + fmt(bound);
        }

        public boolean holds(double value) {
            return switch (op) {
                case "<" -> value < bound;
                case "<=" -> value <= bound;
                case ">" -> value > bound;
                case ">=" -> value >= bound;
                default -> value == bound;
            };
        }
    }

    public static String fmtNumber(double p) {
        return fmt(p);
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
