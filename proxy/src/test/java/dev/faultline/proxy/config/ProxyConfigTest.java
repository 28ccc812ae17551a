package dev.faultline.proxy.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ProxyConfigTest {
    /** The example of ../shared/specs/proxy-config.md, exactly as written there. */
    static final String SPEC_EXAMPLE = resource("/spec-example.yml");

    static String resource(String name) {
        try (var in = ProxyConfigTest.class.getResourceAsStream(name)) {
            return new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static ProxyConfig parse(String yaml) {
        return ProxyConfig.parse(yaml, "test.yml");
    }

    private static String oneRoute(String extra) {
        return "paths:\n- path: /a\n  forwardPort: 8080\n" + extra;
    }

    @Test
    void theSpecExampleIsAcceptedAsWritten() {
        ProxyConfig c = parse(SPEC_EXAMPLE);
        assertThat(c.port()).isEqualTo(80);
        assertThat(c.metrics()).isEqualTo(new ProxyConfig.Metrics("0.0.0.0", 9100, "/metrics"));
        assertThat(c.tracing().samplingServer()).hasValue("jaeger:6831");
        ProxyConfig.Route r = c.paths().get(0);
        assertThat(r.path()).isEqualTo("/foo*");
        assertThat(r.method()).hasValue("GET");
        assertThat(r.forwardHost()).isEqualTo("127.0.0.1");
        assertThat(r.forwardPort()).isEqualTo(8080);
        assertThat(r.maxRetry()).isEqualTo(3);
        assertThat(r.timeout()).isEqualTo(Duration.ofSeconds(1));
        assertThat(r.circuitBreaking()).hasValue(new ProxyConfig.CircuitBreaking(3, Duration.ofSeconds(5)));
        assertThat(r.rateLimiting()).hasValue(new ProxyConfig.RateLimiting(5000, Duration.ofSeconds(5)));
    }

    @Test
    void addIdempotencyKeyServesRetriesOfNonIdempotentRequestsOnly() {
        ProxyConfig.Route r = parse(oneRoute("  maxRetry: 1\n  retryNonIdempotent: true\n  addIdempotencyKey: true\n"))
                .paths().get(0);
        assertThat(r.addIdempotencyKey()).isTrue();
        assertThatThrownBy(() -> parse(oneRoute("  addIdempotencyKey: true\n")))
                .isInstanceOf(ConfigException.class).hasMessageStartingWith(
                        "paths[0].addIdempotencyKey: true needs retryNonIdempotent: true");
        assertThatThrownBy(() -> parse(oneRoute("  addIdempotencyKey: yes please\n")))
                .hasMessageStartingWith("paths[0].addIdempotencyKey: ");
    }

    @Test
    void defaultsForAbsentKeys() {
        ProxyConfig c = parse(oneRoute(""));
        assertThat(c.port()).isEqualTo(8080);
        assertThat(c.accessLog()).isTrue();
        assertThat(c.limits().maxBodyBytes()).isEqualTo(10 << 20);
        assertThat(c.limits().replayBufferBytes()).isEqualTo(64 << 10);
        assertThat(c.limits().headerTimeout()).isEqualTo(Duration.ofSeconds(10));
        ProxyConfig.Route r = c.paths().get(0);
        assertThat(r.method()).isEmpty();
        assertThat(r.maxRetry()).isZero();
        assertThat(r.retryNonIdempotent()).isFalse();
        assertThat(r.addIdempotencyKey()).isFalse();
        assertThat(r.timeout()).isEqualTo(Duration.ofSeconds(15));
        assertThat(r.circuitBreaking()).isEmpty();
        assertThat(r.rateLimiting()).isEmpty();
    }

    @Test
    void errorsNameTheKeyAndTheValue() {
        assertThatThrownBy(() -> parse(oneRoute("  timeout: 1x\n")))
                .isInstanceOf(ConfigException.class).hasMessage("paths[0].timeout: \"1x\" is not a duration (e.g. 500ms, 1s, 2m)");
        assertThatThrownBy(() -> parse(oneRoute("  maxRetry: many\n")))
                .hasMessage("paths[0].maxRetry: \"many\" is not a whole number");
        assertThatThrownBy(() -> parse(oneRoute("  maxRetry: 50\n")))
                .hasMessage("paths[0].maxRetry: 50 is not between 0 and 10");
        assertThatThrownBy(() -> parse(oneRoute("  method: FETCH\n")))
                .hasMessage("paths[0].method: \"FETCH\" is not an HTTP method or *");
        assertThatThrownBy(() -> parse("paths:\n- path: /a\n"))
                .hasMessage("paths[0].forwardPort: is missing");
        assertThatThrownBy(() -> parse(oneRoute("  circuitBreaking: {maxError: 0}\n")))
                .hasMessage("paths[0].circuitBreaking.maxError: 0 is not between 1 and 10000");
        assertThatThrownBy(() -> parse(oneRoute("  rateLimiting: {expiration: 1s}\n")))
                .hasMessage("paths[0].rateLimiting.maxAmount: is missing");
        assertThatThrownBy(() -> parse("limits: {headerTimeout: 10ms}\n" + oneRoute("")))
                .hasMessageStartingWith("limits.headerTimeout: ");
        assertThatThrownBy(() -> parse("port: 70000\n" + oneRoute("")))
                .hasMessage("port: 70000 is not between 0 and 65535");
        assertThatThrownBy(() -> parse("limits: {maxBodyBytes: lots}\n" + oneRoute("")))
                .hasMessage("limits.maxBodyBytes: \"lots\" is not a size (e.g. 65536, 64KiB, 10MiB)");
        assertThatThrownBy(() -> parse("paths:\n- path: a*b\n  forwardPort: 1\n"))
                .hasMessage("paths[0].path: \"a*b\" does not start with /");
        assertThatThrownBy(() -> parse("paths: []\n")).hasMessage("paths: at least one route is needed");
    }

    @Test
    void unknownKeysAreErrorsWhereverTheyAre() {
        assertThatThrownBy(() -> parse("prot: 80\n" + oneRoute("")))
                .hasMessageStartingWith("prot: unknown key (known here: ");
        assertThatThrownBy(() -> parse(oneRoute("  retries: 3\n")))
                .hasMessageStartingWith("paths[0].retries: unknown key (known here: ");
        assertThatThrownBy(() -> parse("metrics: {prt: 1}\n" + oneRoute("")))
                .hasMessageStartingWith("metrics.prt: unknown key");
    }

    @Test
    void malformedYamlAndDuplicateKeysAreErrors() {
        assertThatThrownBy(() -> parse("port: [\n")).hasMessageStartingWith("test.yml: not valid YAML: ");
        assertThatThrownBy(() -> parse("port: 1\nport: 2\n" + oneRoute(""))).hasMessageStartingWith("test.yml: not valid YAML: ");
        assertThatThrownBy(() -> parse("- a\n")).hasMessage("the configuration must be a mapping of keys, not a list");
    }

    @Test
    void globsMatchPrefixesAndMethodsFilter() {
        ProxyConfig.Route glob = parse(SPEC_EXAMPLE).paths().get(0);
        assertThat(glob.matches("/foo", "GET")).isTrue();
        assertThat(glob.matches("/foobar/baz", "GET")).isTrue();
        assertThat(glob.matches("/foobar", "POST")).isFalse();
        assertThat(glob.matches("/fo", "GET")).isFalse();
        ProxyConfig.Route exact = parse(oneRoute("")).paths().get(0);
        assertThat(exact.matches("/a", "DELETE")).isTrue();
        assertThat(exact.matches("/a/", "GET")).isFalse();
    }

    @Test
    void portOverridesReplaceTheFilesPorts() {
        ProxyConfig c = parse(SPEC_EXAMPLE).withPorts(Optional.of(18080), Optional.of(19100));
        assertThat(c.port()).isEqualTo(18080);
        assertThat(c.metrics().port()).isEqualTo(19100);
    }
}
