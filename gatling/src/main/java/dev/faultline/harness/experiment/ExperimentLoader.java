package dev.faultline.harness.experiment;

import dev.faultline.harness.experiment.Experiment.Fault;
import dev.faultline.harness.experiment.Experiment.Hypothesis;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.YAMLException;

/** Reads experiment YAML; every error names the file, the key path and the value. */
public final class ExperimentLoader {
    private static final Set<String> TOXICS = Set.of("latency", "bandwidth", "slow_close", "timeout", "reset_peer",
            "slicer", "limit_data", "noop");
    private static final Pattern DURATION = Pattern.compile("(\\d+)(ms|s|m)");
    private static final Pattern COMPARISON = Pattern.compile("\\s*(<|>=)\\s*(\\S+)\\s*");
    /** {@code >= 0.9 * phase(name)}, {@code < phase(name)}. */
    private static final Pattern RELATIVE = Pattern.compile(
            "\\s*(<|>=)\\s*(?:([0-9]+(?:\\.[0-9]+)?)\\s*\\*\\s*)?phase\\(\\s*([^)\\s]+)\\s*\\)\\s*");

    private ExperimentLoader() {
    }

    /** An experiment file that cannot be used. */
    public static final class InvalidExperimentException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        public InvalidExperimentException(String message) {
            super(message);
        }
    }

    public static Experiment load(Path file) {
        try {
            return parse(Files.readString(file), file.getFileName().toString());
        } catch (IOException e) {
            throw new InvalidExperimentException(file + ": cannot be read (" + e.getMessage() + ")");
        }
    }

    public static Experiment parse(String yaml, String source) {
        LoaderOptions o = new LoaderOptions();
        o.setAllowDuplicateKeys(false);
        Object tree;
        try {
            tree = new Yaml(new SafeConstructor(o)).load(yaml);
        } catch (YAMLException e) {
            throw new InvalidExperimentException(source + ": not valid YAML: "
                    + String.valueOf(e.getMessage()).lines().findFirst().orElse(""));
        }
        Map<String, Object> root = map(tree, source, "");
        known(root, source, "", Set.of("name", "description", "target", "load", "proxy", "phases"));
        String name = string(root, source, "name", null);
        String targetText = string(root, source, "target", "edge");
        Experiment.Target target;
        try {
            target = Experiment.Target.valueOf(targetText.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw bad(source, "target", "\"" + targetText + "\" is not edge, proxy, direct or tls");
        }
        Map<String, Object> load = map(root.get("load"), source, "load");
        known(load, source, "load", Set.of("rate", "rampUp", "thinkTime", "mix", "poll"));
        double rate = number(load, source, "load.rate", "rate", 0.1, 10_000);
        Duration ramp = duration(load.getOrDefault("rampUp", "0s"), source, "load.rampUp");
        String think = string(load, source, "load.thinkTime", "0ms");
        String[] range = think.split("\\.\\.");
        Duration thinkMin = duration(range[0].strip(), source, "load.thinkTime");
        Duration thinkMax = range.length > 1 ? duration(range[1].strip(), source, "load.thinkTime") : thinkMin;
        Experiment.Mix mix = Experiment.Mix.NONE;
        if (load.containsKey("mix")) {
            Map<String, Object> m = map(load.get("mix"), source, "load.mix");
            known(m, source, "load.mix", Set.of("burst", "errorProne", "slow"));
            Duration every = Duration.ZERO;
            int size = 0;
            if (m.containsKey("burst")) {
                Map<String, Object> b = map(m.get("burst"), source, "load.mix.burst");
                known(b, source, "load.mix.burst", Set.of("every", "size"));
                every = duration(b.get("every"), source, "load.mix.burst.every");
                size = (int) number(b, source, "load.mix.burst.size", "size", 1, 1000);
            }
            mix = new Experiment.Mix(every, size,
                    m.containsKey("errorProne") ? number(m, source, "load.mix.errorProne", "errorProne", 0, 1000) : 0,
                    m.containsKey("slow") ? number(m, source, "load.mix.slow", "slow", 0, 1000) : 0);
        }
        Experiment.Poll poll = Experiment.Poll.DEFAULT;
        if (load.containsKey("poll")) {
            if (target != Experiment.Target.TLS) {
                throw bad(source, "load.poll", "is for target tls only");
            }
            Map<String, Object> m = map(load.get("poll"), source, "load.poll");
            known(m, source, "load.poll", Set.of("every", "timeout"));
            poll = new Experiment.Poll(
                    duration(m.getOrDefault("every", "10s"), source, "load.poll.every"),
                    duration(m.getOrDefault("timeout", "2s"), source, "load.poll.timeout"));
            if (poll.every().isZero() || poll.timeout().isZero()) {
                throw bad(source, "load.poll", "every and timeout must be more than 0");
            }
        }
        List<Experiment.Phase> phases = new ArrayList<>();
        Object rawPhases = root.get("phases");
        if (!(rawPhases instanceof List<?> list) || list.isEmpty()) {
            throw bad(source, "phases", "must be a non-empty list");
        }
        for (int i = 0; i < list.size(); i++) {
            Experiment.Phase phase = phase(list.get(i), source, "phases[" + i + "]");
            if (target != Experiment.Target.TLS && (phase.tls().isPresent() || phase.reuse() != Experiment.Reuse.NONE
                    || phase.restart())) {
                throw bad(source, "phases[" + i + "]", "tls, reuse and restart are for target tls only");
            }
            for (int j = 0; j < phase.faults().size(); j++) {
                if (phase.faults().get(j) instanceof Experiment.Toxic t && t.link().equals("tls-edge")
                        && target != Experiment.Target.TLS) {
                    throw bad(source, "phases[" + i + "].faults[" + j + "].link", "tls-edge is for target tls only");
                }
            }
            phases.add(phase);
        }
        Set<String> names = new java.util.HashSet<>();
        phases.forEach(ph -> names.add(ph.name()));
        for (int i = 0; i < phases.size(); i++) {
            List<Hypothesis> hs = phases.get(i).hypotheses();
            for (int j = 0; j < hs.size(); j++) {
                if (hs.get(j) instanceof Experiment.Relative r && (!names.contains(r.phase())
                        || r.phase().equals(phases.get(i).name()))) {
                    throw bad(source, "phases[" + i + "].hypotheses[" + j + "]." + r.measure(), "phase(" + r.phase()
                            + ") is not another phase of this experiment (phases: " + String.join(", ",
                            phases.stream().map(Experiment.Phase::name).toList()) + ")");
                }
            }
        }
        if (target == Experiment.Target.TLS && phases.get(0).tls().isEmpty()) {
            throw bad(source, "phases[0].tls", "is missing (target tls: the first phase says how the server listens)");
        }
        Map<String, Object> proxy = root.containsKey("proxy") ? map(root.get("proxy"), source, "proxy") : Map.of();
        known(proxy, source, "proxy", Set.of("maxRetry", "retryNonIdempotent", "addIdempotencyKey", "timeout",
                "retryBackoff", "circuitBreaking", "rateLimiting"));
        return new Experiment(name, string(root, source, "description", ""), target,
                new Experiment.Load(rate, ramp, thinkMin, thinkMax, mix, poll), proxy, List.copyOf(phases));
    }

    private static Experiment.Phase phase(Object raw, String source, String path) {
        Map<String, Object> p = map(raw, source, path);
        known(p, source, path, Set.of("name", "duration", "rate", "faults", "hypotheses", "tls", "reuse",
                "restart"));
        String name = string(p, source, path + ".name", null);
        Duration duration = duration(p.get("duration"), source, path + ".duration");
        List<Fault> faults = new ArrayList<>();
        for (Object f : list(p.get("faults"), source, path + ".faults")) {
            faults.add(fault(f, source, path + ".faults[" + faults.size() + "]"));
        }
        List<Hypothesis> hypotheses = new ArrayList<>();
        for (Object h : list(p.get("hypotheses"), source, path + ".hypotheses")) {
            hypotheses.add(hypothesis(h, source, path + ".hypotheses[" + hypotheses.size() + "]"));
        }
        java.util.Optional<Double> rate = p.containsKey("rate")
                ? java.util.Optional.of(number(p, source, path + ".rate", "rate", 0.1, 10_000)) : java.util.Optional.empty();
        java.util.Optional<Experiment.Tls> tls = java.util.Optional.empty();
        if (p.containsKey("tls")) {
            Map<String, Object> t = map(p.get("tls"), source, path + ".tls");
            known(t, source, path + ".tls", Set.of("key", "protocols", "warmup"));
            String key = string(t, source, path + ".tls.key", null);
            if (!Experiment.Tls.KEYS.contains(key)) {
                throw bad(source, path + ".tls.key", "\"" + key + "\" is not one of "
                        + Experiment.Tls.KEYS.stream().sorted().toList());
            }
            String protocols = string(t, source, path + ".tls.protocols", "TLSv1.3,TLSv1.2").replace(" ", "");
            if (!Experiment.Tls.PROTOCOLS.contains(protocols)) {
                throw bad(source, path + ".tls.protocols", "\"" + protocols + "\" is not TLSv1.3, TLSv1.2 or both");
            }
            int warmup = t.containsKey("warmup") ? (int) number(t, source, path + ".tls.warmup", "warmup", 0, 100_000) : -1;
            tls = java.util.Optional.of(new Experiment.Tls(key, protocols, warmup));
        }
        String reuseText = string(p, source, path + ".reuse", "none");
        Experiment.Reuse reuse;
        try {
            reuse = Experiment.Reuse.valueOf(reuseText.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw bad(source, path + ".reuse", "\"" + reuseText + "\" is not none, session or connection");
        }
        Object restart = p.getOrDefault("restart", Boolean.FALSE);
        if (!(restart instanceof Boolean r)) {
            throw bad(source, path + ".restart", restart + " is not true or false");
        }
        return new Experiment.Phase(name, duration, rate, List.copyOf(faults), List.copyOf(hypotheses), tls, reuse, r);
    }

    private static Fault fault(Object raw, String source, String path) {
        Map<String, Object> f = map(raw, source, path);
        if (f.containsKey("http")) {
            known(f, source, path, Set.of("http"));
            Map<String, Object> h = map(f.get("http"), source, path + ".http");
            known(h, source, path + ".http", Set.of("errorRate", "errorCode", "latencyMs", "jitterMs", "paths"));
            List<String> paths = new ArrayList<>();
            for (Object x : list(h.getOrDefault("paths", List.of("/new", "/guess")), source, path + ".http.paths")) {
                paths.add(String.valueOf(x));
            }
            return new Experiment.HttpFault(number(h, source, path + ".http.errorRate", "errorRate", 0, 1),
                    (int) number(h, source, path + ".http.errorCode", "errorCode", 400, 599),
                    (long) number(h, source, path + ".http.latencyMs", "latencyMs", 0, 60_000),
                    (long) number(h, source, path + ".http.jitterMs", "jitterMs", 0, 60_000), List.copyOf(paths));
        }
        known(f, source, path, Set.of("link", "toxic", "stream", "toxicity", "attributes"));
        String link = string(f, source, path + ".link", null);
        if (!link.equals("edge") && !link.equals("upstream") && !link.equals("tls-edge")) {
            throw bad(source, path + ".link", "\"" + link + "\" is not edge, upstream or tls-edge");
        }
        String type = string(f, source, path + ".toxic", null);
        if (!TOXICS.contains(type)) {
            throw bad(source, path + ".toxic", "\"" + type + "\" is not one of " + TOXICS);
        }
        String stream = string(f, source, path + ".stream", "downstream");
        if (!stream.equals("upstream") && !stream.equals("downstream")) {
            throw bad(source, path + ".stream", "\"" + stream + "\" is not upstream or downstream");
        }
        Map<String, Long> attributes = new LinkedHashMap<>();
        Map<String, Object> attrs = map(f.getOrDefault("attributes", Map.of()), source, path + ".attributes");
        for (Map.Entry<String, Object> e : attrs.entrySet()) {
            if (!(e.getValue() instanceof Integer || e.getValue() instanceof Long)) {
                throw bad(source, path + ".attributes." + e.getKey(), e.getValue() + " is not a whole number");
            }
            attributes.put(e.getKey(), ((Number) e.getValue()).longValue());
        }
        return new Experiment.Toxic(link, type, stream, f.containsKey("toxicity")
                ? number(f, source, path + ".toxicity", "toxicity", 0, 1) : 1.0, Map.copyOf(attributes));
    }

    private static Hypothesis hypothesis(Object raw, String source, String path) {
        Map<String, Object> h = map(raw, source, path);
        if (h.size() != 1) {
            throw bad(source, path, "must have exactly one of successRatio, p50, p95, p99, p999, status, server, exactlyOnce");
        }
        Map.Entry<String, Object> e = h.entrySet().iterator().next();
        String key = e.getKey();
        String where = path + "." + key;
        Matcher relative = RELATIVE.matcher(String.valueOf(e.getValue()));
        if ((key.equals("successRatio") || key.matches("p\\d+")) && relative.matches()) {
            double factor = relative.group(2) == null ? 1 : Double.parseDouble(relative.group(2));
            if (factor <= 0) {
                throw bad(source, where, "\"" + e.getValue() + "\": the factor must be more than 0");
            }
            if (!key.equals("successRatio") && !key.equals("p999")) {
                double pct = Double.parseDouble(key.substring(1));
                if (pct <= 0 || pct >= 100) {
                    throw bad(source, where, "is not a percentile");
                }
            }
            return new Experiment.Relative(key, relative.group(1).equals(">="), factor, relative.group(3));
        }
        if (key.equals("successRatio")) {
            Matcher m = COMPARISON.matcher(String.valueOf(e.getValue()));
            if (!m.matches() || !m.group(1).equals(">=")) {
                throw bad(source, where, "\"" + e.getValue() + "\" is not \">= <ratio>\"");
            }
            try {
                double v = Double.parseDouble(m.group(2));
                if (v < 0 || v > 1) {
                    throw new NumberFormatException();
                }
                return new Experiment.SuccessRatio(v);
            } catch (NumberFormatException x) {
                throw bad(source, where, "\"" + m.group(2) + "\" is not a ratio between 0 and 1");
            }
        }
        if (key.matches("p\\d+")) {
            double pct = key.equals("p999") ? 99.9 : Double.parseDouble(key.substring(1));
            if (pct <= 0 || pct >= 100) {
                throw bad(source, where, "is not a percentile");
            }
            Matcher m = COMPARISON.matcher(String.valueOf(e.getValue()));
            if (!m.matches()) {
                throw bad(source, where, "\"" + e.getValue() + "\" is not \"< <duration>\" or \">= <duration>\"");
            }
            return new Experiment.Latency(pct, duration(m.group(2), source, where), m.group(1).equals(">="));
        }
        if (key.equals("status")) {
            Map<String, Object> s = map(e.getValue(), source, where);
            known(s, source, where, Set.of("code", "present"));
            int code = (int) number(s, source, where + ".code", "code", 100, 599);
            Object present = s.getOrDefault("present", Boolean.TRUE);
            if (!(present instanceof Boolean b)) {
                throw bad(source, where + ".present", present + " is not true or false");
            }
            return new Experiment.StatusPresence(code, b);
        }
        if (key.equals("server")) {
            return serverBound(map(e.getValue(), source, where), source, where);
        }
        if (key.equals("exactlyOnce")) {
            if (!Boolean.TRUE.equals(e.getValue())) {
                throw bad(source, where, e.getValue() + " is not true (leave the hypothesis out to skip the check)");
            }
            return new Experiment.ExactlyOnce();
        }
        throw bad(source, where,
                "is not a known hypothesis (successRatio, p50, p95, p99, p999, status, server, exactlyOnce)");
    }

    private static final Pattern BOUND = Pattern.compile("(<=|>=|<|>|==)\\s*(-?[0-9]+(?:\\.[0-9]+)?(?:[eE][-+]?[0-9]+)?)");

    /** {@code server: {measure: proxy.retries, bound: "> 0"}} or {@code server: {promql: "...", bound: "< 0.1"}}. */
    private static Hypothesis serverBound(Map<String, Object> s, String source, String where) {
        known(s, source, where, Set.of("measure", "promql", "bound"));
        if (s.containsKey("measure") == s.containsKey("promql")) {
            throw bad(source, where, "needs exactly one of measure, promql");
        }
        String measure = null;
        String promql = null;
        if (s.containsKey("measure")) {
            measure = string(s, source, where + ".measure", null);
            if (dev.faultline.perf.prom.Measure.byId(measure) == null) {
                throw bad(source, where + ".measure", "\"" + measure + "\" is not a known measure (known: "
                        + String.join(", ", dev.faultline.perf.prom.Measure.standard().stream()
                        .map(dev.faultline.perf.prom.Measure::id).sorted().toList()) + ")");
            }
        } else {
            promql = string(s, source, where + ".promql", null);
        }
        Matcher m = BOUND.matcher(String.valueOf(s.get("bound")).strip());
        if (s.get("bound") == null || !m.matches()) {
            throw bad(source, where + ".bound", (s.get("bound") == null ? "is missing" : "\"" + s.get("bound")
                    + "\" is not \"<op> <number>\" (op: <, <=, >, >=, ==)"));
        }
        return new Experiment.ServerBound(measure, promql, m.group(1), Double.parseDouble(m.group(2)));
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object raw, String source, String path) {
        if (!(raw instanceof Map<?, ?> m)) {
            throw bad(source, path.isEmpty() ? "(top level)" : path, raw == null ? "is missing" : "must be a mapping");
        }
        return (Map<String, Object>) m;
    }

    private static List<?> list(Object raw, String source, String path) {
        if (raw == null) {
            return List.of();
        }
        if (!(raw instanceof List<?> l)) {
            throw bad(source, path, "must be a list");
        }
        return l;
    }

    private static void known(Map<String, Object> m, String source, String path, Set<String> keys) {
        for (String k : m.keySet()) {
            if (!keys.contains(k)) {
                throw bad(source, (path.isEmpty() ? "" : path + ".") + k, "is not a known key (known: "
                        + String.join(", ", keys.stream().sorted().toList()) + ")");
            }
        }
    }

    private static String string(Map<String, Object> m, String source, String path, String dflt) {
        String key = path.substring(path.lastIndexOf('.') + 1);
        Object v = m.get(key);
        if (v == null) {
            if (dflt == null) {
                throw bad(source, path, "is missing");
            }
            return dflt;
        }
        if (!(v instanceof String s) || s.isBlank()) {
            throw bad(source, path, v + " is not a non-empty string");
        }
        return s.strip();
    }

    private static double number(Map<String, Object> m, String source, String path, String key, double min,
                                 double max) {
        Object v = m.get(key);
        if (v == null) {
            if (min > 0 && !key.equals("errorCode")) {
                throw bad(source, path, "is missing");
            }
            return key.equals("errorCode") ? 500 : 0;
        }
        if (!(v instanceof Number n) || n.doubleValue() < min || n.doubleValue() > max) {
            throw bad(source, path, v + " is not a number between " + Experiment.fmt(min) + " and "
                    + Experiment.fmt(max));
        }
        return n.doubleValue();
    }

    static Duration duration(Object raw, String source, String path) {
        Matcher m = raw instanceof String s ? DURATION.matcher(s.strip()) : null;
        if (m == null || !m.matches()) {
            throw bad(source, path, (raw instanceof String ? "\"" + raw + "\"" : String.valueOf(raw))
                    + " is not a duration (e.g. 500ms, 30s, 2m)");
        }
        long n = Long.parseLong(m.group(1));
        return switch (m.group(2)) {
            case "ms" -> Duration.ofMillis(n);
            case "s" -> Duration.ofSeconds(n);
            default -> Duration.ofMinutes(n);
        };
    }

    private static InvalidExperimentException bad(String source, String path, String why) {
        return new InvalidExperimentException(source + ": " + path + ": " + why);
    }
}
