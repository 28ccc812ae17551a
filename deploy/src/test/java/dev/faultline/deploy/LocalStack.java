package dev.faultline.deploy;

import dev.faultline.harness.stack.ChildProcess;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.Yaml;

/**
 * The container stack's processes on loopback, from the jars the Dockerfile packs and with the configuration files
 * docker-compose.yml mounts, moved to free local ports: the word-game server, the chaos server (the Toxiproxy
 * links of {@code deploy/toxiproxy/toxiproxy.json}), the proxy ({@code deploy/proxy/proxy.yml}) and the prober
 * ({@code deploy/prober/prober.yml}, its intervals shortened for a test). Every {@code host:port} those files name
 * must be one of the stack's services, or the start fails; {@link #close()} stops every process, also after a
 * failed start.
 */
final class LocalStack implements AutoCloseable {
    private static final Duration HEALTH = Duration.ofSeconds(90);
    private static final List<String> JVM = List.of("-Xmx192m", "-XX:+UseSerialGC");

    private final Path dir;
    private final List<ChildProcess> children = new ArrayList<>();
    /** compose host:port -> loopback host:port */
    private final Map<String, String> hosts = new LinkedHashMap<>();
    private final int wordgame = Repo.freePort();
    private final int chaos = Repo.freePort();
    private final int proxy = Repo.freePort();
    private final int proxyMetrics = Repo.freePort();
    private final int prober = Repo.freePort();
    private ChildProcess proberProcess;

    private LocalStack(Path dir) {
        this.dir = dir;
        hosts.put("wordgame:1337", "127.0.0.1:" + wordgame);
        hosts.put("toxiproxy:8474", "127.0.0.1:" + chaos);
        hosts.put("proxy:8080", "127.0.0.1:" + proxy);
        hosts.put("proxy:9100", "127.0.0.1:" + proxyMetrics);
        hosts.put("prober:9300", "127.0.0.1:" + prober);
    }

    /** Starts the four processes and waits until each is healthy. */
    static LocalStack start(Path dir, Duration probeInterval, Duration statusInterval) throws IOException {
        long t0 = System.nanoTime();
        LocalStack s = new LocalStack(dir);
        try {
            s.up(probeInterval, statusInterval);
            System.out.printf("LocalStack: up in %.1f s (logs in %s)%n", (System.nanoTime() - t0) / 1e9, dir.resolve("logs"));
        } catch (IOException | RuntimeException e) {
            s.close();
            throw e;
        }
        return s;
    }

    private void up(Duration probeInterval, Duration statusInterval) throws IOException {
        Files.createDirectories(dir.resolve("logs"));
        Path links = Files.writeString(dir.resolve("toxiproxy.json"), chaosLinks().encodePrettily());
        Path proxyYml = Files.writeString(dir.resolve("proxy.yml"), dump(proxyConfig()));
        Path proberYml = Files.writeString(dir.resolve("prober.yml"), dump(proberConfig(probeInterval, statusInterval)));
        ChildProcess wg = start("wordgame-server", List.of("--host", "127.0.0.1", "--port", String.valueOf(wordgame)));
        ChildProcess ch = start("chaos", List.of("--host", "127.0.0.1", "--port", String.valueOf(chaos), "--config",
                links.toString()));
        ChildProcess px = start("proxy", List.of("--config", proxyYml.toString()));
        proberProcess = start("prober", List.of("--config", proberYml.toString()));
        wg.awaitHealthy(wordgameUrl() + "/health", HEALTH);
        ch.awaitHealthy(chaosUrl() + "/version", HEALTH);
        px.awaitHealthy(proxyMetricsUrl(), HEALTH);
        px.awaitHealthy(proxyUrl() + "/health", HEALTH);
        proberProcess.awaitHealthy(proberUrl() + "/health", HEALTH);
    }

    private ChildProcess start(String module, List<String> args) throws IOException {
        ChildProcess p = ChildProcess.startJar(module, Repo.jar(module), JVM, args, log(module));
        children.add(p);
        return p;
    }

    /** The links of deploy/toxiproxy/toxiproxy.json, listening on free loopback ports, upstreams mapped. */
    private JsonArray chaosLinks() throws IOException {
        JsonArray links = new JsonArray(Files.readString(Repo.deploy("toxiproxy/toxiproxy.json")));
        for (int i = 0; i < links.size(); i++) {
            JsonObject link = links.getJsonObject(i);
            String composeListen = "toxiproxy:" + link.getString("listen").replaceFirst(".*:", "");
            String local = "127.0.0.1:" + Repo.freePort();
            hosts.put(composeListen, local);
            link.put("listen", local).put("upstream", host(link.getString("upstream"), "toxiproxy.json upstream"));
        }
        return links;
    }

    @SuppressWarnings("unchecked")
    private Map<String, Object> proxyConfig() throws IOException {
        Map<String, Object> c = load(Repo.deploy("proxy/proxy.yml"));
        c.put("host", "127.0.0.1");
        c.put("port", proxy);
        Map<String, Object> metrics = (Map<String, Object>) c.get("metrics");
        metrics.put("host", "127.0.0.1");
        metrics.put("port", proxyMetrics);
        // no Tempo here: spans are made but not exported
        ((Map<String, Object>) c.getOrDefault("tracing", Map.of())).remove("otlpEndpoint");
        for (Map<String, Object> route : (List<Map<String, Object>>) c.get("paths")) {
            String local = host(route.get("forwardHost") + ":" + route.get("forwardPort"), "proxy.yml route");
            route.put("forwardHost", local.substring(0, local.indexOf(':')));
            route.put("forwardPort", Integer.parseInt(local.substring(local.indexOf(':') + 1)));
        }
        return c;
    }

    @SuppressWarnings("unchecked")
    private Map<String, Object> proberConfig(Duration probeInterval, Duration statusInterval) throws IOException {
        Map<String, Object> c = load(Repo.deploy("prober/prober.yml"));
        Map<String, Object> metrics = (Map<String, Object>) c.get("metrics");
        metrics.put("host", "127.0.0.1");
        metrics.put("port", prober);
        for (Map<String, Object> probe : (List<Map<String, Object>>) c.get("probes")) {
            probe.put("url", url((String) probe.get("url")));
            probe.put("interval", probeInterval.toMillis() + "ms");
            probe.put("timeout", probeInterval.toMillis() + "ms");
        }
        Map<String, Object> status = (Map<String, Object>) c.get("statusChanges");
        status.put("adminUrl", url((String) status.get("adminUrl")));
        status.put("interval", statusInterval.toMillis() + "ms");
        status.remove("tokenEnv"); // the server's admin API needs no token from loopback
        Map<String, Object> toxiproxy = (Map<String, Object>) c.get("toxiproxy");
        toxiproxy.put("url", url((String) toxiproxy.get("url")));
        toxiproxy.put("interval", probeInterval.toMillis() + "ms");
        return c;
    }

    private String host(String composeHostPort, String where) {
        String local = hosts.get(composeHostPort);
        if (local == null) {
            throw new IllegalStateException(where + " names " + composeHostPort + ", which is not a service of the "
                    + "stack this test runs (" + hosts.keySet() + "): map it in LocalStack");
        }
        return local;
    }

    private String url(String composeUrl) {
        URI u = URI.create(composeUrl);
        return "http://" + host(u.getHost() + ":" + u.getPort(), composeUrl) + (u.getRawPath() == null ? "" : u.getRawPath());
    }

    private static Map<String, Object> load(Path file) throws IOException {
        return new Yaml().load(Files.readString(file));
    }

    private static String dump(Map<String, Object> config) {
        DumperOptions o = new DumperOptions();
        o.setDefaultFlowStyle(DumperOptions.FlowStyle.BLOCK);
        return new Yaml(o).dump(config);
    }

    /** Prometheus job (as in deploy/prometheus/prometheus.yml) -> the loopback host:port it scrapes. */
    Map<String, String> scrapeTargets() {
        return Map.of("wordgame", hosts.get("wordgame:1337"), "proxy", hosts.get("proxy:9100"),
                "toxiproxy", hosts.get("toxiproxy:8474"), "prober", hosts.get("prober:9300"));
    }

    String wordgameUrl() {
        return "http://127.0.0.1:" + wordgame;
    }

    String chaosUrl() {
        return "http://127.0.0.1:" + chaos;
    }

    String proxyUrl() {
        return "http://127.0.0.1:" + proxy;
    }

    String proxyMetricsUrl() {
        return "http://127.0.0.1:" + proxyMetrics + "/metrics";
    }

    String proberUrl() {
        return "http://127.0.0.1:" + prober;
    }

    Path log(String module) {
        return dir.resolve("logs").resolve(module + ".log");
    }

    /** Stops the prober alone (SIGTERM: it puts the server's /status back on its way out). */
    void stopProber() {
        proberProcess.close();
    }

    @Override
    public void close() {
        for (int i = children.size() - 1; i >= 0; i--) {
            children.get(i).close();
        }
    }
}
