package dev.faultline.perf.report;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StormTableTest {
    @TempDir
    Path dir;

    private Path run(String name, double serverCpu, double successRatio) throws Exception {
        Path d = Files.createDirectories(dir.resolve(name));
        Files.writeString(d.resolve("timeline.json"), """
                {"phases": [{"phase": "rsa", "startMillis": 0, "durationMillis": 10000, "rate": 200,
                  "tls": "rsa2048 TLSv1.3", "reuse": "none", "hosts": 2000}]}""");
        Files.writeString(d.resolve("verdicts.json"), """
                {"phases": {"rsa": {"requests": 2000, "successRatio": %s, "p50Millis": 120.5, "p99Millis": 900}}}"""
                .formatted(successRatio));
        Files.createDirectories(d.resolve("metrics"));
        Files.writeString(d.resolve("metrics/server.json"), """
                {"phases": {"rsa": {"process.wordgame.cpuSeconds": %s, "process.wordgame.cores": 1.0,
                  "wordgame.handshakeRate": 150.0, "wordgame.resumedRatio": null}}}""".formatted(serverCpu));
        Files.createDirectories(d.resolve("profiles/rsa"));
        Files.writeString(d.resolve("profiles/rsa/wordgame.collapsed"), """
                java/lang/Thread.run;sun/security/ssl/Handshaker.x;sun/security/rsa/RSACore.crt;montgomery_multiply 6
                java/lang/Thread.run;sun/security/ssl/Handshaker.x 2
                thread_native_entry;CompileBroker::compiler_thread_loop;C2Compiler::compile_method 2
                """);
        return d;
    }

    @Test
    void aPhaseRowCarriesTheHostsTheServerCostAndTheFlameGraphShares() throws Exception {
        List<StormTable.Row> rows = StormTable.read(run("a", 10.0, 0.5));
        StormTable.Row r = rows.get(0);
        assertThat(r.success()).isEqualTo(0.5);
        // 150 handshakes/s for 10 s over 10 CPU seconds
        assertThat(r.handshakesPerCpuSecond()).isEqualTo(150.0);
        // 10 CPU s over 1,000 good polls
        assertThat(r.cpuMsPerGoodPoll()).isEqualTo(10.0);
        assertThat(r.tlsShare()).isEqualTo(0.8);
        assertThat(r.cryptoShare()).isEqualTo(0.6);
        assertThat(r.jitShare()).isEqualTo(0.2);
        assertThat(r.resumed()).isNaN();
    }

    @Test
    void severalRunsGiveMediansAndRanges() throws Exception {
        String md = StormTable.markdown(List.of(StormTable.read(run("a", 10.0, 0.5)),
                StormTable.read(run("b", 20.0, 1.0)), StormTable.read(run("c", 30.0, 0.25))));
        assertThat(md).startsWith("Medians of 3 runs");
        // success ratios 0.25, 0.5, 1.0 -> median 0.5; handshakes per CPU s 150, 75, 50 -> 75
        assertThat(md).contains("| 0.500 [0.250–1.000] |").contains("| 75 [50–150] |")
                .contains("| rsa | rsa2048 TLSv1.3 | none | 2000 | 200 | 2000 |").contains("| – |").contains("| 80 % | 60 % | 20 % |");
    }
}
