package dev.faultline.prober.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Every key is checked once, at load, and a bad one is named with its value. */
class ProberConfigTest {
    private static final String MINIMAL = "probes:\n- name: health\n  url: http://127.0.0.1:1337/health\n";

    private static ProberConfig parse(String yaml) {
        return ProberConfig.parse(yaml, "test.yml", Map.of("TOKEN", "s3cret"));
    }

    private static void assertError(String yaml, String message) {
        assertThatThrownBy(() -> parse(yaml)).isInstanceOf(ConfigException.class).hasMessage(message);
    }

    @Test
    void aMinimalConfigGetsTheDocumentedDefaults() {
        ProberConfig c = parse(MINIMAL);
        assertThat(c.metrics()).isEqualTo(new ProberConfig.Metrics("127.0.0.1", 9300, "/metrics"));
        ProberConfig.Probe p = c.probes().get(0);
        assertThat(p.method()).isEqualTo("GET");
        assertThat(p.interval()).isEqualTo(Duration.ofSeconds(5));
        assertThat(p.timeout()).isEqualTo(Duration.ofSeconds(2));
        assertThat(p.statusExpected(204)).isTrue();
        assertThat(p.statusExpected(301)).isFalse();
        assertThat(c.statusChanges()).isEmpty();
        assertThat(c.toxiproxy()).isEmpty();
    }

    @Test
    void aFullConfigIsReadAsWritten() {
        ProberConfig c = parse("""
                metrics: {host: 0.0.0.0, port: 0, path: /prom}
                probes:
                - name: status-via-proxy
                  url: http://proxy:8080/status
                  method: head
                  interval: 1m30s
                  timeout: 500ms
                  expectStatus: [200, 503]
                  expectBody: ok
                statusChanges:
                  adminUrl: http://wordgame:1337/admin/status
                  tokenEnv: TOKEN
                  interval: 20s
                  repeat: false
                  resetOnStop: false
                  steps:
                  - {code: 503, body: maintenance, delay: 250ms}
                  - {reset: true}
                toxiproxy: {url: "http://toxiproxy:8474", interval: 2s}
                """);
        assertThat(c.metrics()).isEqualTo(new ProberConfig.Metrics("0.0.0.0", 0, "/prom"));
        ProberConfig.Probe p = c.probes().get(0);
        assertThat(p.method()).isEqualTo("HEAD");
        assertThat(p.interval()).isEqualTo(Duration.ofSeconds(90));
        assertThat(p.timeout()).isEqualTo(Duration.ofMillis(500));
        assertThat(p.statusExpected(503)).isTrue();
        assertThat(p.statusExpected(204)).isFalse();
        assertThat(p.expectBody()).contains("ok");
        ProberConfig.StatusChanges s = c.statusChanges().orElseThrow();
        assertThat(s.token()).contains("s3cret");
        assertThat(s.interval()).isEqualTo(Duration.ofSeconds(20));
        assertThat(s.repeat()).isFalse();
        assertThat(s.resetOnStop()).isFalse();
        assertThat(s.steps()).containsExactly(
                new ProberConfig.Step(Optional.of(503), Optional.of("maintenance"), Duration.ofMillis(250)),
                new ProberConfig.Step(Optional.empty(), Optional.empty(), Duration.ZERO));
        assertThat(s.steps().get(1).reset()).isTrue();
        assertThat(c.toxiproxy().orElseThrow().interval()).isEqualTo(Duration.ofSeconds(2));
    }

    /** The word-game server's admin API may have a port of its own (--admin-port): its base URL will do. */
    @Test
    void adminUrlIsTheStatusUrlOrTheAdminApisBaseUrl() {
        for (String[] c : new String[][] {
            {"http://127.0.0.1:9901", "http://127.0.0.1:9901/admin/status"},
            {"http://127.0.0.1:9901/", "http://127.0.0.1:9901/admin/status"},
            {"https://wordgame:1338", "https://wordgame:1338/admin/status"},
            {"http://wordgame:1337/admin/status", "http://wordgame:1337/admin/status"},
            {"http://h/custom/status", "http://h/custom/status"},
        }) {
            ProberConfig config = parse(MINIMAL + "statusChanges:\n  adminUrl: \"" + c[0] + "\"\n  steps: [{reset: true}]\n");
            assertThat(config.statusChanges().orElseThrow().adminUrl()).as(c[0]).hasToString(c[1]);
        }
    }

    @Test
    void theTokenIsNeverInTheConfigsText() {
        ProberConfig c = parse(MINIMAL + "statusChanges:\n  adminUrl: http://h/admin/status\n  tokenEnv: TOKEN\n"
                + "  steps: [{reset: true}]\n");
        assertThat(c.toString()).contains("tokenEnv=TOKEN").doesNotContain("s3cret");
    }

    @Test
    void aShortIntervalMakesTheDefaultTimeoutAsShort() {
        assertThat(parse(MINIMAL + "  interval: 300ms\n").probes().get(0).timeout()).isEqualTo(Duration.ofMillis(300));
    }

    @Test
    void badValuesNameTheirKeyAndValue() {
        assertError(MINIMAL + "  interval: 1x\n", "probes[0].interval: \"1x\" is not a duration (e.g. 500ms, 1s, 2m)");
        assertError(MINIMAL + "  interval: 10ms\n", "probes[0].interval: \"10ms\" is not between 100ms and 86400s");
        assertError(MINIMAL + "  interval: 1s\n  timeout: 2s\n", "probes[0].timeout: 2s is longer than probes[0].interval (1s)");
        assertError(MINIMAL + "  url: ftp://x/y\n", "test.yml: not valid YAML: found duplicate key url (line 4)");
        assertError("probes:\n- name: a\n  url: ftp://x/y\n", "probes[0].url: \"ftp://x/y\" is not an http:// or https:// URL");
        assertError("probes:\n- name: a b\n  url: http://x/\n",
                "probes[0].name: \"a b\" may only hold letters, digits and _ . : - (at most 64)");
        assertError("probes:\n- url: http://x/\n", "probes[0].name: is missing");
        assertError(MINIMAL + "  method: POST\n", "probes[0].method: \"POST\" is not GET or HEAD");
        assertError(MINIMAL + "  expectStatus: [200, 700]\n", "probes[0].expectStatus[1]: 700 is not between 100 and 599");
        assertError(MINIMAL + "  expectStatus: 200\n", "probes[0].expectStatus: 200 is not a list");
        assertError(MINIMAL + "- name: health\n  url: http://x/\n", "probes[1].name: \"health\" is used by an earlier probe");
        assertError(MINIMAL + "metrics: {port: 70000}\n", "metrics.port: 70000 is not between 0 and 65535");
        assertError(MINIMAL + "metrics: {path: /health}\n", "metrics.path: \"/health\" must start with / and not be /health");
        assertError(MINIMAL + "toxiproxy: {interval: 1s}\n", "toxiproxy.url: is missing");
    }

    @Test
    void statusStepsAreEitherACodeOrAReset() {
        String head = MINIMAL + "statusChanges:\n  adminUrl: http://h/admin/status\n  steps:\n";
        assertError(head + "  - {code: 503, reset: true}\n", "statusChanges.steps[0]: give either code (100-599) or reset: true");
        assertError(head + "  - {body: x}\n", "statusChanges.steps[0]: give either code (100-599) or reset: true");
        assertError(head + "  - {reset: true, delay: 1s}\n", "statusChanges.steps[0]: a reset step takes no body or delay");
        assertError(head + "  - {code: 42}\n", "statusChanges.steps[0].code: 42 is not between 100 and 599");
        assertError(head + "  - {code: 503, delay: 2m}\n", "statusChanges.steps[0].delay: \"2m\" is not between 0s and 60s");
        assertError(head + "  - {code: 503, reset: maybe}\n", "statusChanges.steps[0].reset: \"maybe\" is not true or false");
        assertError(MINIMAL + "statusChanges:\n  adminUrl: http://h/admin/status\n",
                "statusChanges.steps: at least one step is needed");
        assertError(MINIMAL + "statusChanges:\n  adminUrl: http://h/\n  tokenEnv: NOPE\n  steps: [{reset: true}]\n",
                "statusChanges.tokenEnv: the environment variable NOPE is not set");
    }

    @Test
    void unknownKeysAndShapesAreErrors() {
        assertError(MINIMAL + "probe: {}\n",
                "probe: unknown key (known here: metrics, probes, statusChanges, toxiproxy)");
        assertError(MINIMAL + "  intervall: 1s\n", "probes[0].intervall: unknown key (known here: expectBody, "
                + "expectStatus, interval, method, name, timeout, url)");
        assertError("", "probes: at least one probe is needed");
        assertError("- a\n", "the configuration must be a mapping of keys, not a list");
        assertError("probes: [1]\n", "probes[0]: 1 is not a mapping");
        assertError("probes: {a: 1}\n", "probes: a mapping is not a list");
        assertError("probes: [\n", "test.yml: not valid YAML: expected the node content, but found '<stream end>' (line 2)");
    }

    @Test
    void theShippedExamplesAreValid() {
        for (String file : List.of("prober.example.yml")) {
            assertThat(ProberConfig.load(java.nio.file.Path.of(file), Map.of("PROBER_ADMIN_TOKEN", "t")).probes())
                    .as(file).isNotEmpty();
        }
    }
}
