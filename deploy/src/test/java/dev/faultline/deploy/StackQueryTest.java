package dev.faultline.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/**
 * Every PromQL expression of the rules and dashboards against a real Prometheus that scraped our running processes:
 * the word-game server, the chaos server (the Toxiproxy links), the proxy and the prober, started from their jars
 * with the stack's own configuration files ({@link LocalStack}), Prometheus with deploy/prometheus/prometheus.yml
 * and its rules (targets moved to loopback, a 1 s scrape). Traffic goes through the proxy while faults come and go
 * (HTTP errors, a latency toxic past the timeout, the upstream link down, a burst past the rate limit), and the
 * prober flips /status; then each expression must parse, read only metrics that exist, and the key panels must
 * return data.
 */
class StackQueryTest {
    /** Dashboard file -> panels that must show data after the traffic above (every target of each). */
    private static final Map<String, List<String>> KEY_PANELS = Map.of(
            "service-overview.json", List.of("Request rate by route", "Errors by status code",
                    "Latency percentiles by route", "Latency heatmap: $route", "5xx ratio", "Availability burn rate",
                    "Latency burn rate", "Server requests by route and status", "Server p99 by route", "Games"),
            "proxy-resilience.json", List.of("Retries by reason", "Upstream attempts per request",
                    "Upstream attempts by outcome", "Timeouts", "Breaker state", "Breaker rejections", "Rate limited",
                    "Upstream connection errors"),
            "fault-injection.json", List.of("Active toxics", "Toxiproxy API", "Bytes sent through each link",
                    "Bytes received through each link", "HTTP faults injected by the server", "Effect at the proxy"),
            "prober.json", List.of("Probe success", "Last probe duration", "Last HTTP status", "Probe duration p90",
                    "Failed probes", "/status set by the prober"),
            "jvm.json", List.of("Heap used / max", "GC pause time", "CPU", "Threads"));

    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private static LocalStack stack;
    private static Prometheus prometheus;
    private static Traffic traffic;
    private static long start;
    private static long end;
    private static final List<Expressions.Expression> EXPRESSIONS = new ArrayList<>();
    private static final Map<Expressions.Expression, Prometheus.Answer> ANSWERS = new LinkedHashMap<>();

    @BeforeAll
    static void stackScrapedUnderTrafficAndFaults() throws Exception {
        Path bin = Repo.PROMETHEUS.require();
        Path dir = Repo.deploy("target/stack-query");
        Repo.deleteRecursively(dir);
        stack = LocalStack.start(dir, Duration.ofSeconds(1), Duration.ofSeconds(3));
        int port = Repo.freePort();
        prometheus = Prometheus.start(bin, dir.resolve("prometheus"), prometheusConfig(port), port);
        Set<String> jobs = new TreeSet<>(stack.scrapeTargets().keySet());
        jobs.add("prometheus");
        awaitData("every job scraped", "count by (job) (up == 1) and on (job) count by (job) (up)", jobs.size());
        start = System.currentTimeMillis() / 1000 - 2;

        traffic = new Traffic(stack.proxyUrl());
        traffic.start(3, Duration.ofMillis(50));
        awaitData("games played", "sum(wordgame_guesses_total) > 50", 1);

        // HTTP faults: half of the guesses answer 500
        call("PUT", stack.wordgameUrl() + "/admin/faults", "{\"errorRate\":0.5,\"errorCode\":500,\"paths\":[\"/guess\"]}");
        awaitData("HTTP faults injected", "sum(wordgame_faults_injected_total) > 10", 1);
        call("DELETE", stack.wordgameUrl() + "/admin/faults", null);

        // a latency toxic past /status's 1 s timeout: timeouts, retries, 504s, the breaker opens and rejects
        call("POST", stack.chaosUrl() + "/proxies/upstream/toxics",
                "{\"name\":\"slow\",\"type\":\"latency\",\"attributes\":{\"latency\":1500}}");
        awaitData("the toxic seen by the prober", "sum(prober_toxics_active) > 0", 1);
        awaitData("timeouts and breaker rejections",
                "sum(proxy_timeouts_total) > 0 and on () sum(proxy_breaker_rejections_total) > 0", 1);
        call("DELETE", stack.chaosUrl() + "/proxies/upstream/toxics/slow", null);

        // the upstream link down: refused connections
        call("POST", stack.chaosUrl() + "/proxies/upstream", "{\"enabled\":false}");
        awaitData("refused upstream connections", "sum(proxy_upstream_connection_errors_total) > 0", 1);
        call("POST", stack.chaosUrl() + "/proxies/upstream", "{\"enabled\":true}");

        // a burst of new games past the route's limit (100/s)
        assertThat(traffic.burst(300)).as("requests answered 429 in the burst").isPositive();
        awaitData("rate limited requests", "sum(proxy_rate_limited_total) > 0", 1);

        awaitData("two /status changes by the prober", "sum(prober_status_changes_total{result=\"ok\"}) >= 2", 1);
        traffic.close();
        long answered = traffic.answered();
        awaitData("every answer counted by Prometheus", "sum(proxy_requests_seconds_count) >= " + answered, 1);
        awaitData("the SLO ratios recorded", "slo:proxy_errors:ratio_rate5m >= 0 and on () slo:proxy_slow:ratio_rate5m >= 0", 1);
        end = System.currentTimeMillis() / 1000 + 1;

        int range = (int) (end - start);
        for (Path f : Expressions.files(Repo.deploy("prometheus/rules"), ".yml")) {
            EXPRESSIONS.addAll(Expressions.rules(f));
        }
        for (Path f : Expressions.files(Repo.deploy("grafana/dashboards"), ".json")) {
            EXPRESSIONS.addAll(Expressions.dashboard(f, range));
        }
        for (Expressions.Expression e : EXPRESSIONS) {
            ANSWERS.put(e, prometheus.range(e.query(), start, end, 1));
        }
        printSummary();
    }

    @AfterAll
    static void stop() {
        if (traffic != null) {
            traffic.close();
        }
        if (prometheus != null) {
            prometheus.close();
        }
        if (stack != null) {
            stack.close();
        }
    }

    @Test
    void everyExpressionParsesAndRuns() {
        assertThat(EXPRESSIONS).hasSizeGreaterThan(60);
        List<String> failed = new ArrayList<>();
        ANSWERS.forEach((e, a) -> {
            if (!a.ok()) {
                failed.add(e + ": " + e.query() + "\n    -> " + a.error());
            }
        });
        assertThat(failed).as("expressions Prometheus refused").isEmpty();
    }

    @Test
    void everyMetricAnExpressionReadsIsOneOurProcessesExport() throws IOException {
        Set<String> known = prometheus.metricNames();
        List<String> unknown = new ArrayList<>();
        for (Expressions.Expression e : EXPRESSIONS) {
            Set<String> missing = new TreeSet<>(Expressions.metricNames(e.query()));
            missing.removeAll(known);
            if (!missing.isEmpty()) {
                unknown.add(e + " reads " + missing);
            }
        }
        assertThat(unknown).as("metric names no running process exports (nor a rule records)").isEmpty();
    }

    @Test
    void noGrafanaVariableIsLeftUnsubstituted() {
        assertThat(EXPRESSIONS).allSatisfy(e -> assertThat(Expressions.unresolved(e.query())).as(e.toString()).isEmpty());
    }

    @Test
    void keyPanelsReturnData() {
        List<String> empty = new ArrayList<>();
        KEY_PANELS.forEach((file, titles) -> {
            for (String title : titles) {
                List<Expressions.Expression> targets = EXPRESSIONS.stream()
                        .filter(e -> e.file().equals(file) && e.where().startsWith("panel \"" + title + "\" ")).toList();
                assertThat(targets).as(file + ": key panel \"" + title + "\" with Prometheus targets").isNotEmpty();
                targets.stream().filter(t -> !ANSWERS.get(t).hasData()).forEach(t -> empty.add(t + ": " + t.query()));
            }
        });
        assertThat(empty).as("key panel targets without data").isEmpty();
    }

    @Test
    void everyRuleEvaluatesCleanlyAndEveryRecordingRuleHasData() throws IOException {
        int rules = 0;
        for (JsonObject group : prometheus.ruleGroups()) {
            for (Object r : group.getJsonArray("rules")) {
                JsonObject rule = (JsonObject) r;
                rules++;
                assertThat(rule.getString("health")).as(rule.getString("name") + ": " + rule.getString("lastError"))
                        .isEqualTo("ok");
            }
        }
        assertThat(rules).as("rules loaded from deploy/prometheus/rules").isEqualTo(
                (int) EXPRESSIONS.stream().filter(e -> e.file().endsWith(".yml")).count());
        EXPRESSIONS.stream().filter(e -> e.where().startsWith("record ")).forEach(e ->
                assertThat(ANSWERS.get(e).hasData()).as(e + " has data").isTrue());
    }

    private static void printSummary() throws IOException {
        List<Expressions.Expression> withoutData = ANSWERS.entrySet().stream()
                .filter(x -> x.getValue().ok() && !x.getValue().hasData()).map(Map.Entry::getKey).toList();
        System.out.println("StackQueryTest: " + EXPRESSIONS.size() + " PromQL expressions over " + (end - start)
                + " s of data; " + (EXPRESSIONS.size() - withoutData.size()) + " returned data; without data (only "
                + "parsed and name-checked):");
        withoutData.forEach(e -> System.out.println("  " + e));
        for (Path f : Expressions.files(Repo.deploy("grafana/dashboards"), ".json")) {
            for (Expressions.Expression e : Expressions.otherQueries(f)) {
                System.out.println("  not PromQL, not checked here (Loki): " + e + ": " + e.query());
            }
        }
    }

    /** deploy/prometheus/prometheus.yml with a 1 s scrape and evaluation, its jobs pointed at the local stack. */
    @SuppressWarnings("unchecked")
    private static String prometheusConfig(int port) throws IOException {
        Map<String, Object> c = new Yaml().load(Files.readString(Repo.deploy("prometheus/prometheus.yml")));
        Map<String, Object> global = (Map<String, Object>) c.get("global");
        global.put("scrape_interval", "1s");
        global.put("scrape_timeout", "1s");
        global.put("evaluation_interval", "1s");
        c.remove("alerting");
        c.put("rule_files", ((List<String>) c.get("rule_files")).stream()
                .map(f -> Repo.deploy("prometheus").resolve(f).toString()).toList());
        Map<String, String> targets = new LinkedHashMap<>(stack.scrapeTargets());
        targets.put("prometheus", "127.0.0.1:" + port);
        for (Map<String, Object> job : (List<Map<String, Object>>) c.get("scrape_configs")) {
            String name = (String) job.get("job_name");
            String target = targets.get(name);
            assertThat(target).as("job " + name + " of prometheus.yml runs in the test stack").isNotNull();
            job.put("static_configs", List.of(Map.of("targets", List.of(target))));
        }
        return new Yaml().dump(c);
    }

    /** Waits (at most 60 s) until {@code query} returns at least {@code series} series. */
    private static void awaitData(String what, String query, int series) {
        long t0 = System.nanoTime();
        await(what).atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500)).ignoreExceptions()
                .until(() -> prometheus.instant(query).result().size() >= series);
        System.out.printf("StackQueryTest: %s after %.1f s%n", what, (System.nanoTime() - t0) / 1e9);
    }

    private static void call(String method, String url, String body) throws IOException, InterruptedException {
        HttpRequest.BodyPublisher p = body == null ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.ofString(body);
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10))
                .method(method, p).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(method + " " + url + ": " + r.body()).isBetween(200, 299);
    }
}
