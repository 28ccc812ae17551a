package dev.faultline.harness.experiment;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** An experiment as data: load, target, and ordered phases with their faults and steady-state hypotheses. */
public record Experiment(String name, String description, Target target, Load load, Map<String, Object> proxy,
                         List<Phase> phases) {

    /**
     * Where the load goes: through the edge link and the proxy, straight to the proxy, to the server, or (TLS) to
     * the server's TLS port through the {@code tls-edge} link, as polling hosts instead of players.
     */
    public enum Target { EDGE, PROXY, DIRECT, TLS }

    /**
     * Open workload: new players per second, ramped up over {@code rampUp}; think time between guesses. For the TLS
     * target, {@code rate} is polls per second of every host together and {@code poll} says how hosts poll.
     */
    public record Load(double rate, Duration rampUp, Duration thinkMin, Duration thinkMax, Mix mix, Poll poll) {
        public Load(double rate, Duration rampUp, Duration thinkMin, Duration thinkMax) {
            this(rate, rampUp, thinkMin, thinkMax, Mix.NONE, Poll.DEFAULT);
        }

        public Load(double rate, Duration rampUp, Duration thinkMin, Duration thinkMax, Mix mix) {
            this(rate, rampUp, thinkMin, thinkMax, mix, Poll.DEFAULT);
        }
    }

    /**
     * Polling hosts (TLS target): each host asks {@code GET /status} every {@code every}, so {@code rate × every}
     * hosts poll at once; a poll not answered within {@code timeout} is abandoned (the client gives up, as a
     * monitoring agent or a health checker does).
     */
    public record Poll(Duration every, Duration timeout) {
        public static final Poll DEFAULT = new Poll(Duration.ofSeconds(10), Duration.ofSeconds(2));

        /** Hosts polling at once at {@code rate} polls per second. */
        public int hosts(double rate) {
            return (int) Math.max(1, Math.round(rate * every.toMillis() / 1000.0));
        }
    }

    /**
     * The word-game server's TLS listener for a phase: key type ({@code rsa2048}, ...), enabled versions, and the
     * server's start-up warm-up handshakes ({@code --tls-warmup}; -1: the server's default).
     */
    public record Tls(String key, String protocols, int warmup) {
        public Tls(String key, String protocols) {
            this(key, protocols, -1);
        }

        public static final java.util.Set<String> KEYS = java.util.Set.of("rsa2048", "rsa4096", "ecdsa-p256");
        public static final java.util.Set<String> PROTOCOLS = java.util.Set.of("TLSv1.3", "TLSv1.2", "TLSv1.3,TLSv1.2");

        public String describe() {
            return key + " " + protocols + (warmup < 0 ? "" : " warmup " + warmup);
        }
    }

    /**
     * What a polling host keeps between its polls: nothing (each poll a new host: TCP and a full TLS handshake),
     * its TLS session (a new connection each poll, resumed), or its connection (keep-alive).
     */
    public enum Reuse { NONE, SESSION, CONNECTION }

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

    /**
     * A phase; {@code rate} overrides the load's rate (new players per second) for its duration. TLS target only:
     * {@code tls} (the server's TLS listener from this phase on; the server restarts when it changes) and
     * {@code reuse} (what polling hosts keep between polls), {@code restart} (restart the server at the phase's
     * start even when its TLS settings stay the same). A phase without hypotheses only measures.
     */
    public record Phase(String name, Duration duration, Optional<Double> rate, List<Fault> faults,
                        List<Hypothesis> hypotheses, Optional<Tls> tls, Reuse reuse, boolean restart) {
        public Phase(String name, Duration duration, Optional<Double> rate, List<Fault> faults,
                     List<Hypothesis> hypotheses) {
            this(name, duration, rate, faults, hypotheses, Optional.empty(), Reuse.NONE, false);
        }

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
    public sealed interface Hypothesis permits SuccessRatio, Latency, StatusPresence, ServerBound, ExactlyOnce,
            Relative {
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

    /**
     * A client-side measure of this phase against the same measure of another phase of the same run, times a
     * factor: {@code successRatio: ">= 0.9 * phase(rsa2048)"}, {@code p50: "< 0.5 * phase(cold)"}. For claims that
     * are relative (session resumption beats full handshakes), so that a slower machine does not break them.
     * {@code measure} is {@code successRatio} or a percentile ({@code p50}, {@code p999}).
     */
    public record Relative(String measure, boolean atLeast, double factor, String phase) implements Hypothesis {
        public String describe() {
            return measure + (atLeast ? " >= " : " < ") + (factor == 1 ? "" : fmt(factor) + " x ") + "phase "
                    + phase;
        }

        /** The percentile of a latency measure ({@code p999}: 99.9); NaN for the success ratio. */
        public double percentile() {
            return measure.equals("successRatio") ? Double.NaN
                    : measure.equals("p999") ? 99.9 : Double.parseDouble(measure.substring(1));
        }
    }

    /** Answers with this status code appear (or do not). */
    public record StatusPresence(int code, boolean present) implements Hypothesis {
        public String describe() {
            return "status " + code + (present ? " appears" : " does not appear");
        }
    }

    /**
     * Every request the load sent was applied by the server at most once, and every one answered 200 exactly once:
     * the server's own counters (guesses applied, games started) over the phase against what the load side sent
     * and had answered in that time. Catches retries applied twice, which success ratios cannot see.
     */
    public record ExactlyOnce() implements Hypothesis {
        public String describe() {
            return "exactly once (guesses, games)";
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

    /** The server's TLS settings in force during each phase (inherited from the phase before when not given). */
    public Optional<Tls> tlsAt(int phaseIndex) {
        for (int i = phaseIndex; i >= 0; i--) {
            if (phases.get(i).tls().isPresent()) {
                return phases.get(i).tls();
            }
        }
        return Optional.empty();
    }

    /**
     * Users the injection profile schedules in a phase: players at the phase's rate (ramped at the start, as the
     * simulation injects them), polling hosts that poll once each; NaN for hosts that keep polling.
     */
    public double usersScheduled(int phaseIndex) {
        Phase phase = phases.get(phaseIndex);
        double r = phase.rateOr(load.rate());
        double seconds = phase.duration().toMillis() / 1000.0;
        if (target == Target.TLS) {
            return phase.reuse() == Reuse.NONE ? r * seconds : Double.NaN;
        }
        double rampLeft = Math.max(0, load.rampUp().toMillis() / 1000.0 - offsetOf(phaseIndex).toMillis() / 1000.0);
        double ramp = Math.min(rampLeft, seconds);
        return (Math.min(1.0, r) + r) / 2 * ramp + r * (seconds - ramp);
    }

    /** When a phase begins, from the experiment's start. */
    public Duration offsetOf(int phaseIndex) {
        Duration at = Duration.ZERO;
        for (int i = 0; i < phaseIndex; i++) {
            at = at.plus(phases.get(i).duration());
        }
        return at;
    }

    public Optional<Phase> phase(String phaseName) {
        return phases.stream().filter(p -> p.name().equals(phaseName)).findFirst();
    }
}
