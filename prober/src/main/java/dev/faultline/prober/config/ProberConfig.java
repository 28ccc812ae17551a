package dev.faultline.prober.config;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;

/** The prober's configuration: one YAML file, parsed and validated once, defaults in one place. */
public record ProberConfig(Metrics metrics, List<Probe> probes, Optional<StatusChanges> statusChanges,
                           Optional<Toxiproxy> toxiproxy) {

    /** Where the prober serves its own /metrics (and /health). */
    public record Metrics(String host, int port, String path) {
    }

    /**
     * One endpoint probed every {@code interval}. A probe succeeds when the answer arrives within {@code timeout},
     * its status is in {@code expectStatus} (any 2xx when empty) and its body contains {@code expectBody}.
     */
    public record Probe(String name, URI url, String method, Duration interval, Duration timeout,
                        List<Integer> expectStatus, Optional<String> expectBody) {
        public boolean statusExpected(int status) {
            return expectStatus.isEmpty() ? status >= 200 && status < 300 : expectStatus.contains(status);
        }

        public String expectedStatusText() {
            return expectStatus.isEmpty() ? "2xx" : expectStatus.toString();
        }
    }

    /**
     * The word-game server's {@code /status} answer, changed through its admin endpoint every {@code interval}, one
     * step after another (round and round when {@code repeat}). The token, read from the environment variable
     * {@code tokenEnv}, is sent as {@code Authorization: Bearer} and never printed.
     */
    public record StatusChanges(URI adminUrl, Optional<String> tokenEnv, Optional<String> token, Duration interval,
                                boolean repeat, boolean resetOnStop, List<Step> steps) {
        @Override
        public String toString() {
            return "StatusChanges[adminUrl=" + adminUrl + ", tokenEnv=" + tokenEnv.orElse("none") + ", interval="
                    + interval + ", repeat=" + repeat + ", resetOnStop=" + resetOnStop + ", steps=" + steps + "]";
        }
    }

    /** One change: answer {@code code} with {@code body} after {@code delay}; no code means back to the default. */
    public record Step(Optional<Integer> code, Optional<String> body, Duration delay) {
        public boolean reset() {
            return code.isEmpty();
        }
    }

    /** A Toxiproxy API (the real server or chaos) whose active toxics are exported as gauges. */
    public record Toxiproxy(URI url, Duration interval) {
    }

    private static final Set<String> METHODS = Set.of("GET", "HEAD");
    private static final Duration MIN_INTERVAL = Duration.ofMillis(100);
    private static final Duration MAX_INTERVAL = Duration.ofHours(24);

    /** Reads and validates a file; every problem is a {@link ConfigException} naming the key and the value. */
    public static ProberConfig load(Path file, Map<String, String> env) {
        String text;
        try {
            text = Files.readString(file);
        } catch (NoSuchFileException e) {
            throw new ConfigException(file + ": no such file");
        } catch (IOException e) {
            throw new ConfigException(file + ": cannot be read (" + e.getMessage() + ")");
        }
        return parse(text, file.toString(), env);
    }

    public static ProberConfig parse(String yaml, String source, Map<String, String> env) {
        LoaderOptions options = new LoaderOptions();
        options.setAllowDuplicateKeys(false);
        options.setMaxAliasesForCollections(20);
        options.setCodePointLimit(1 << 20);
        Object tree;
        try {
            tree = new Yaml(new SafeConstructor(options)).load(yaml);
        } catch (MarkedYAMLException e) {
            String where = e.getProblemMark() == null ? "" : " (line " + (e.getProblemMark().getLine() + 1) + ")";
            throw new ConfigException(source + ": not valid YAML: " + String.valueOf(e.getProblem()).strip() + where);
        } catch (YAMLException e) {
            String m = String.valueOf(e.getMessage()).lines().filter(l -> !l.isBlank()).findFirst().orElse("");
            throw new ConfigException(source + ": not valid YAML: " + m.strip());
        }
        return from(ConfigNode.root(tree), env);
    }

    static ProberConfig from(ConfigNode root, Map<String, String> env) {
        root.rejectUnknown("metrics", "probes", "statusChanges", "toxiproxy");
        Metrics metrics = new Metrics("127.0.0.1", 9300, "/metrics");
        ConfigNode m = root.child("metrics");
        if (m != null) {
            m.rejectUnknown("host", "port", "path");
            String path = m.string("path", "/metrics");
            if (!path.startsWith("/") || path.equals("/health")) {
                throw new ConfigException(m.key("path") + ": \"" + path + "\" must start with / and not be /health");
            }
            metrics = new Metrics(m.string("host", "127.0.0.1"), m.integer("port", 9300, 0, 65535), path);
        }
        List<Probe> probes = new ArrayList<>();
        Set<String> names = new HashSet<>();
        for (ConfigNode p : root.list("probes")) {
            Probe probe = probe(p);
            if (!names.add(probe.name())) {
                throw new ConfigException(p.key("name") + ": \"" + probe.name() + "\" is used by an earlier probe");
            }
            probes.add(probe);
        }
        if (probes.isEmpty()) {
            throw new ConfigException("probes: at least one probe is needed");
        }
        ConfigNode s = root.child("statusChanges");
        ConfigNode t = root.child("toxiproxy");
        Optional<Toxiproxy> toxiproxy = Optional.empty();
        if (t != null) {
            t.rejectUnknown("url", "interval");
            toxiproxy = Optional.of(new Toxiproxy(t.url("url"),
                    t.duration("interval", Duration.ofSeconds(5), MIN_INTERVAL, MAX_INTERVAL)));
        }
        return new ProberConfig(metrics, List.copyOf(probes),
                s == null ? Optional.empty() : Optional.of(statusChanges(s, env)), toxiproxy);
    }

    private static Probe probe(ConfigNode p) {
        p.rejectUnknown("name", "url", "method", "interval", "timeout", "expectStatus", "expectBody");
        String name = p.required("name");
        if (!name.matches("[A-Za-z0-9_.:-]{1,64}")) {
            throw new ConfigException(p.key("name") + ": \"" + name
                    + "\" may only hold letters, digits and _ . : - (at most 64)");
        }
        URI url = p.url("url");
        String method = p.string("method", "GET").toUpperCase(java.util.Locale.ROOT);
        if (!METHODS.contains(method)) {
            throw new ConfigException(p.key("method") + ": \"" + method + "\" is not GET or HEAD");
        }
        Duration interval = p.duration("interval", Duration.ofSeconds(5), MIN_INTERVAL, MAX_INTERVAL);
        Duration dfltTimeout = interval.compareTo(Duration.ofSeconds(2)) < 0 ? interval : Duration.ofSeconds(2);
        Duration timeout = p.duration("timeout", dfltTimeout, Duration.ofMillis(10), Duration.ofMinutes(5));
        if (timeout.compareTo(interval) > 0) {
            throw new ConfigException(p.key("timeout") + ": " + ConfigNode.format(timeout) + " is longer than "
                    + p.key("interval") + " (" + ConfigNode.format(interval) + ")");
        }
        return new Probe(name, url, method, interval, timeout, List.copyOf(p.integers("expectStatus", 100, 599)),
                Optional.ofNullable(p.string("expectBody", null)));
    }

    private static StatusChanges statusChanges(ConfigNode s, Map<String, String> env) {
        s.rejectUnknown("adminUrl", "tokenEnv", "interval", "repeat", "resetOnStop", "steps");
        URI adminUrl = adminStatusUrl(s.url("adminUrl"));
        Optional<String> tokenEnv = Optional.ofNullable(s.string("tokenEnv", null));
        Optional<String> token = Optional.empty();
        if (tokenEnv.isPresent()) {
            String value = env.get(tokenEnv.get());
            if (value == null || value.isBlank()) {
                throw new ConfigException(s.key("tokenEnv") + ": the environment variable " + tokenEnv.get()
                        + " is not set");
            }
            token = Optional.of(value.strip());
        }
        List<Step> steps = new ArrayList<>();
        for (ConfigNode st : s.list("steps")) {
            steps.add(step(st));
        }
        if (steps.isEmpty()) {
            throw new ConfigException(s.key("steps") + ": at least one step is needed");
        }
        return new StatusChanges(adminUrl, tokenEnv, token,
                s.duration("interval", Duration.ofSeconds(30), MIN_INTERVAL, MAX_INTERVAL),
                s.bool("repeat", true), s.bool("resetOnStop", true), List.copyOf(steps));
    }

    /**
     * {@code adminUrl} is the server's {@code /admin/status} URL, or the admin API's base URL (no path, e.g. the
     * server's {@code --admin-port} listener), to which {@code /admin/status} is added.
     */
    static URI adminStatusUrl(URI given) {
        String path = given.getRawPath();
        return path == null || path.isEmpty() || path.equals("/") ? given.resolve("/admin/status") : given;
    }

    private static Step step(ConfigNode st) {
        st.rejectUnknown("code", "body", "delay", "reset");
        boolean reset = st.bool("reset", false);
        if (reset == st.has("code")) {
            throw new ConfigException(st.path() + ": give either code (100-599) or reset: true");
        }
        if (reset && (st.has("body") || st.has("delay"))) {
            throw new ConfigException(st.path() + ": a reset step takes no body or delay");
        }
        if (reset) {
            return new Step(Optional.empty(), Optional.empty(), Duration.ZERO);
        }
        return new Step(Optional.of(st.integer("code", 200, 100, 599)), Optional.ofNullable(st.string("body", null)),
                st.duration("delay", Duration.ZERO, Duration.ZERO, Duration.ofSeconds(60)));
    }
}
