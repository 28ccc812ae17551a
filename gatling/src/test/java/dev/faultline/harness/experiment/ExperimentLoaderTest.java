package dev.faultline.harness.experiment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

class ExperimentLoaderTest {
    private static final String OK = """
            name: demo
            target: edge
            load: {rate: 10, rampUp: 2s, thinkTime: 50ms..200ms}
            phases:
            - name: baseline
              duration: 5s
              hypotheses:
              - successRatio: ">= 0.99"
              - p99: "< 500ms"
            - name: fault
              duration: 5s
              faults:
              - {link: upstream, toxic: latency, attributes: {latency: 200}}
              - http: {errorRate: 0.5, errorCode: 503, paths: [/guess]}
              hypotheses:
              - p50: ">= 150ms"
              - status: {code: 503, present: true}
            """;

    @Test
    void aFullExperimentIsRead() {
        Experiment e = ExperimentLoader.parse(OK, "demo.yml");
        assertThat(e.name()).isEqualTo("demo");
        assertThat(e.target()).isEqualTo(Experiment.Target.EDGE);
        assertThat(e.load()).isEqualTo(new Experiment.Load(10, Duration.ofSeconds(2), Duration.ofMillis(50),
                Duration.ofMillis(200)));
        assertThat(e.totalDuration()).isEqualTo(Duration.ofSeconds(10));
        Experiment.Phase fault = e.phase("fault").orElseThrow();
        assertThat(fault.faults()).containsExactly(
                new Experiment.Toxic("upstream", "latency", "downstream", 1.0, Map.of("latency", 200L)),
                new Experiment.HttpFault(0.5, 503, 0, 0, List.of("/guess")));
        assertThat(fault.hypotheses()).containsExactly(new Experiment.Latency(50, Duration.ofMillis(150), true),
                new Experiment.StatusPresence(503, true));
    }

    @Test
    void exactlyOnceIsTrueOrLeftOut() {
        Experiment e = ExperimentLoader.parse(OK.replace("  - status: {code: 503, present: true}",
                "  - exactlyOnce: true"), "demo.yml");
        assertThat(e.phase("fault").orElseThrow().hypotheses()).contains(new Experiment.ExactlyOnce());
        assertThatThrownBy(() -> ExperimentLoader.parse(OK.replace("  - status: {code: 503, present: true}",
                "  - exactlyOnce: yes please"), "demo.yml"))
                .hasMessageContaining("phases[1].hypotheses[1].exactlyOnce").hasMessageContaining("is not true");
    }

    @Test
    void serverSideHypothesesNameAMeasureOrPromql() {
        Experiment e = ExperimentLoader.parse(OK.replace("  - status: {code: 503, present: true}",
                "  - server: {measure: proxy.retries, bound: \"> 0\"}\n"
                        + "  - server: {promql: 'sum(rate(x$window))', bound: \"<= 1.5\"}"), "demo.yml");
        assertThat(e.phase("fault").orElseThrow().hypotheses()).containsSubsequence(
                new Experiment.ServerBound("proxy.retries", null, ">", 0),
                new Experiment.ServerBound(null, "sum(rate(x$window))", "<=", 1.5));
        assertThatThrownBy(() -> ExperimentLoader.parse(OK.replace("  - status: {code: 503, present: true}",
                "  - server: {measure: proxy.nothing, bound: \"> 0\"}"), "demo.yml"))
                .hasMessageStartingWith("demo.yml: phases[1].hypotheses[1].server.measure: \"proxy.nothing\" is not a known measure (known: ");
        assertThatThrownBy(() -> ExperimentLoader.parse(OK.replace("  - status: {code: 503, present: true}",
                "  - server: {measure: proxy.retries, bound: \"lots\"}"), "demo.yml"))
                .hasMessage("demo.yml: phases[1].hypotheses[1].server.bound: \"lots\" is not \"<op> <number>\" (op: <, <=, >, >=, ==)");
        assertThatThrownBy(() -> ExperimentLoader.parse(OK.replace("  - status: {code: 503, present: true}",
                "  - server: {bound: \"> 1\"}"), "demo.yml"))
                .hasMessage("demo.yml: phases[1].hypotheses[1].server: needs exactly one of measure, promql");
    }

    @Test
    void errorsNameTheFileTheKeyAndTheValue() {
        assertThatThrownBy(() -> ExperimentLoader.parse(OK.replace("duration: 5s\n  hypotheses:\n  - success",
                "duration: 5x\n  hypotheses:\n  - success"), "demo.yml"))
                .hasMessage("demo.yml: phases[0].duration: \"5x\" is not a duration (e.g. 500ms, 30s, 2m)");
        assertThatThrownBy(() -> ExperimentLoader.parse(OK.replace("link: upstream", "link: sideways"), "demo.yml"))
                .hasMessage("demo.yml: phases[1].faults[0].link: \"sideways\" is not edge, upstream or tls-edge");
        assertThatThrownBy(() -> ExperimentLoader.parse(OK.replace("toxic: latency", "toxic: lag"), "demo.yml"))
                .hasMessageStartingWith("demo.yml: phases[1].faults[0].toxic: \"lag\" is not one of");
        assertThatThrownBy(() -> ExperimentLoader.parse(OK.replace("p99: \"< 500ms\"", "p99: \"fast\""), "demo.yml"))
                .hasMessage("demo.yml: phases[0].hypotheses[1].p99: \"fast\" is not \"< <duration>\" or \">= <duration>\"");
        assertThatThrownBy(() -> ExperimentLoader.parse(OK.replace("target: edge", "target: moon"), "demo.yml"))
                .hasMessage("demo.yml: target: \"moon\" is not edge, proxy, direct or tls");
        assertThatThrownBy(() -> ExperimentLoader.parse(OK.replace("rampUp", "ramp"), "demo.yml"))
                .hasMessageStartingWith("demo.yml: load.ramp: is not a known key");
        assertThatThrownBy(() -> ExperimentLoader.parse("name: x\nload: {rate: 1}\nphases: []\n", "x.yml"))
                .hasMessage("x.yml: phases: must be a non-empty list");
    }

    private static final String STORM = """
            name: storm
            target: tls
            load:
              rate: 200
              poll: {every: 10s, timeout: 2s}
            phases:
            - name: rsa
              duration: 5s
              tls: {key: rsa2048, protocols: TLSv1.3}
              faults:
              - {link: tls-edge, toxic: latency, attributes: {latency: 50}}
              hypotheses:
              - successRatio: ">= 0"
            - name: ecdsa-kept
              duration: 5s
              tls: {key: ecdsa-p256}
              reuse: connection
              rate: 100
              hypotheses:
              - server: {measure: wordgame.resumedRatio, bound: ">= 0"}
            - name: same-server
              duration: 5s
              reuse: session
              restart: true
              hypotheses:
              - successRatio: ">= 0"
            """;

    @Test
    void aTlsExperimentNamesKeysReuseAndPolling() {
        Experiment e = ExperimentLoader.parse(STORM, "storm.yml");
        assertThat(e.target()).isEqualTo(Experiment.Target.TLS);
        assertThat(e.load().poll()).isEqualTo(new Experiment.Poll(Duration.ofSeconds(10), Duration.ofSeconds(2)));
        assertThat(e.load().poll().hosts(200)).isEqualTo(2000);
        assertThat(e.phases().get(0).tls()).contains(new Experiment.Tls("rsa2048", "TLSv1.3"));
        assertThat(e.phases().get(0).reuse()).isEqualTo(Experiment.Reuse.NONE);
        assertThat(e.phases().get(1).tls()).contains(new Experiment.Tls("ecdsa-p256", "TLSv1.3,TLSv1.2"));
        assertThat(e.phases().get(1).reuse()).isEqualTo(Experiment.Reuse.CONNECTION);
        assertThat(e.tlsAt(2)).contains(new Experiment.Tls("ecdsa-p256", "TLSv1.3,TLSv1.2"));
        assertThat(e.offsetOf(2)).isEqualTo(Duration.ofSeconds(10));
        assertThat(e.phases().get(2).restart()).isTrue();
        assertThat(e.phases().get(1).restart()).isFalse();
        assertThat(e.phases().get(0).faults()).containsExactly(
                new Experiment.Toxic("tls-edge", "latency", "downstream", 1.0, Map.of("latency", 50L)));
    }

    @Test
    void tlsSettingsAreCheckedAndKeptToTheTlsTarget() {
        assertThatThrownBy(() -> ExperimentLoader.parse(STORM.replace("key: rsa2048", "key: dsa1024"), "storm.yml"))
                .hasMessage("storm.yml: phases[0].tls.key: \"dsa1024\" is not one of [ecdsa-p256, rsa2048, rsa4096]");
        assertThatThrownBy(() -> ExperimentLoader.parse(STORM.replace("protocols: TLSv1.3}", "protocols: SSLv3}"),
                "storm.yml")).hasMessage("storm.yml: phases[0].tls.protocols: \"SSLv3\" is not TLSv1.3, TLSv1.2 or both");
        assertThatThrownBy(() -> ExperimentLoader.parse(STORM.replace("reuse: session", "reuse: always"), "storm.yml"))
                .hasMessage("storm.yml: phases[2].reuse: \"always\" is not none, session or connection");
        assertThatThrownBy(() -> ExperimentLoader.parse(STORM.replace("  tls: {key: rsa2048, protocols: TLSv1.3}\n",
                ""), "storm.yml")).hasMessageStartingWith("storm.yml: phases[0].tls: is missing");
        assertThatThrownBy(() -> ExperimentLoader.parse(STORM.replace("target: tls", "target: edge"), "storm.yml"))
                .hasMessage("storm.yml: load.poll: is for target tls only");
        assertThatThrownBy(() -> ExperimentLoader.parse(OK.replace("  duration: 5s\n  faults:",
                "  duration: 5s\n  reuse: session\n  faults:"), "demo.yml"))
                .hasMessage("demo.yml: phases[1]: tls, reuse and restart are for target tls only");
        assertThatThrownBy(() -> ExperimentLoader.parse(OK.replace("link: upstream", "link: tls-edge"), "demo.yml"))
                .hasMessage("demo.yml: phases[1].faults[0].link: tls-edge is for target tls only");
        assertThatThrownBy(() -> ExperimentLoader.parse(STORM.replace("every: 10s", "every: 0s"), "storm.yml"))
                .hasMessage("storm.yml: load.poll: every and timeout must be more than 0");
    }

    @Test
    void everyShippedExperimentIsValid() throws Exception {
        Path dir = Path.of("experiments");
        List<Path> files;
        try (Stream<Path> s = Files.list(dir)) {
            files = s.filter(p -> p.toString().endsWith(".yml")).sorted().toList();
        }
        assertThat(files).isNotEmpty();
        for (Path f : files) {
            Experiment e = ExperimentLoader.load(f);
            assertThat(e.name()).as(f.toString()).isEqualTo(f.getFileName().toString().replace(".yml", ""));
            // a phase without hypotheses only measures (a storm's restart); an experiment still states some
            assertThat(e.phases()).as(f.toString()).anyMatch(p -> !p.hypotheses().isEmpty());
            assertThat(e.phases()).as(f.toString() + ": phases without hypotheses are TLS measurements")
                    .allMatch(p -> !p.hypotheses().isEmpty() || e.target() == Experiment.Target.TLS);
        }
    }
}
