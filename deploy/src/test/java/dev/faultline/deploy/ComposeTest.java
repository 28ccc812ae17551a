package dev.faultline.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.yaml.snakeyaml.Yaml;

/**
 * docker-compose.yml as docker-compose 1.29 (Debian's package; no engine needed) reads it: it validates, it refuses
 * to run without its secrets, what it mounts and builds exists, it publishes on loopback only, and the files and
 * flags it hands our programs are accepted by the programs themselves (the jars the Dockerfile packs).
 */
class ComposeTest {
    private static final Map<String, String> SECRETS =
            Map.of("FAULTLINE_ADMIN_TOKEN", "test-token", "GRAFANA_ADMIN_PASSWORD", "test-password");

    @TempDir
    Path tmp;

    private Run compose(Map<String, String> env, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(Repo.DOCKER_COMPOSE.require().toString(),
                "--env-file", Files.writeString(tmp.resolve("empty.env"), "").toString(), "-f", "docker-compose.yml"));
        command.addAll(List.of(args));
        return Run.of(Repo.root(), env, command);
    }

    @Test
    void composeConfigValidates() throws Exception {
        Run r = compose(SECRETS, "config", "-q");
        assertThat(r.exit()).as(r.output()).isZero();
        Run chaos = compose(SECRETS, "--profile", "chaos", "config", "-q");
        assertThat(chaos.exit()).as(chaos.output()).isZero();
    }

    @Test
    void withoutItsSecretsTheStackRefusesToStart() throws Exception {
        Run r = compose(Map.of(), "config", "-q");
        assertThat(r.exit()).isNotZero();
        assertThat(r.output()).contains("set FAULTLINE_ADMIN_TOKEN or run ./start.sh once");
    }

    @SuppressWarnings("unchecked")
    private Map<String, Map<String, Object>> services() throws Exception {
        Run r = compose(SECRETS, "--profile", "chaos", "config");
        assertThat(r.exit()).as(r.output()).isZero();
        Map<String, Object> doc = new Yaml().load(r.output());
        return (Map<String, Map<String, Object>>) doc.get("services");
    }

    @Test
    void theStackHasTheIssuesServices() throws Exception {
        assertThat(services()).containsKeys("wordgame", "proxy", "toxiproxy", "prober", "prometheus", "alertmanager",
                "grafana", "loki", "promtail", "tempo", "chaos");
        assertThat(services().get("toxiproxy").get("image")).isEqualTo("ghcr.io/shopify/toxiproxy:2.12.0");
    }

    @Test
    @SuppressWarnings("unchecked")
    void everyMountedFileAndBuiltJarExistsAndEveryPortIsOnLoopback() throws Exception {
        Map<String, String> builtModules = new HashMap<>();
        java.util.concurrent.atomic.AtomicInteger mounts = new java.util.concurrent.atomic.AtomicInteger();
        services().forEach((name, s) -> {
            for (Object v : (List<Object>) s.getOrDefault("volumes", List.of())) {
                String source = v instanceof Map<?, ?> m ? (String) m.get("source") : ((String) v).split(":")[0];
                boolean bind = v instanceof Map<?, ?> m ? "bind".equals(m.get("type")) : source.startsWith("/");
                if (bind && !source.equals("/var/run/docker.sock")) {
                    assertThat(Path.of(source)).as(name + " mounts " + source).exists();
                    mounts.incrementAndGet();
                }
            }
            for (Object p : (List<Object>) s.getOrDefault("ports", List.of())) {
                String hostIp = p instanceof Map<?, ?> m ? (String) m.get("host_ip") : ((String) p).split(":")[0];
                assertThat(hostIp).as(name + " publishes " + p + " on loopback only").isEqualTo("127.0.0.1");
            }
            assertThat(String.valueOf(s.get("image"))).as(name + "'s image tag is pinned").doesNotEndWith(":latest")
                    .contains(":");
            Map<String, Object> build = (Map<String, Object>) s.get("build");
            if (build != null) {
                Path context = Path.of((String) build.get("context"));
                assertThat(context.resolve((String) build.get("dockerfile"))).as(name + "'s Dockerfile").exists();
                Map<String, String> args = (Map<String, String>) build.get("args");
                builtModules.put(name, args.get("MODULE"));
                assertThat(args).as(name + "'s build args").containsKeys("MODULE", "HEALTH_URL", "PORTS");
            }
        });
        assertThat(mounts.get()).as("bind mounts checked").isGreaterThanOrEqualTo(10);
        assertThat(builtModules.values()).containsExactlyInAnyOrder("wordgame-server", "proxy", "chaos", "prober");
        for (String module : builtModules.values()) {
            assertThat(Repo.jar(module)).as("the jar the image of " + module + " packs, built by the reactor")
                    .isRegularFile();
        }
    }

    @Test
    @SuppressWarnings("unchecked")
    void ourProgramsAcceptTheFilesAndFlagsTheStackGivesThem() throws Exception {
        Map<String, Map<String, Object>> services = services();
        Map<String, String> module = Map.of("wordgame", "wordgame-server", "proxy", "proxy", "prober", "prober",
                "chaos", "chaos");
        for (Map.Entry<String, String> e : module.entrySet()) {
            List<String> command = new ArrayList<>(List.of(javaBin(), "-jar", Repo.jar(e.getValue()).toString()));
            for (String arg : (List<String>) services.get(e.getKey()).get("command")) {
                command.add(arg.replace("/config/", Repo.deploy(e.getKey()) + "/"));
            }
            // the proxy and the prober validate their file and stop; the servers parse their flags and print help
            command.add(e.getKey().equals("proxy") || e.getKey().equals("prober") ? "--check-config" : "--help");
            Run r = Run.of(Repo.root(), Map.of("PROBER_ADMIN_TOKEN", "t"), command);
            assertThat(r.exit()).as(e.getKey() + ": " + command + "\n" + r.output()).isZero();
        }
    }

    @Test
    void theToxiproxyLinksAreTheOnesTheProxyForwardsTo() throws Exception {
        io.vertx.core.json.JsonArray links =
                new io.vertx.core.json.JsonArray(Files.readString(Repo.deploy("toxiproxy/toxiproxy.json")));
        assertThat(links.stream().map(l -> ((io.vertx.core.json.JsonObject) l).getString("name")))
                .containsExactlyInAnyOrder("upstream", "edge");
        String proxyYml = Files.readString(Repo.deploy("proxy/proxy.yml"));
        assertThat(proxyYml).contains("forwardHost: toxiproxy", "forwardPort: 8666").doesNotContain("forwardHost: wordgame");
    }

    static String javaBin() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }
}
