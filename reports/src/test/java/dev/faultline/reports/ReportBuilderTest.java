package dev.faultline.reports;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.faultline.reports.ReportModel.Case;
import dev.faultline.reports.ReportModel.Status;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReportBuilderTest {
    @TempDir
    Path root;

    @Test
    void onePhaseTestAndOneTestPerHypothesis() throws Exception {
        RunResult run = RunReader.read(FixtureRun.write(root.resolve("reports/runs/r1")));
        List<Case> cases = ReportBuilder.build(run, root.resolve("reports/allure-report"));
        assertThat(cases).extracting(Case::name).containsExactly("baseline", "baseline: success ratio >= 0.99",
                "fault", "fault: p50 < 100 ms", "fault: server proxy.retries > 0");
        assertThat(cases).extracting(Case::status).containsExactly(Status.PASSED, Status.PASSED, Status.FAILED,
                Status.FAILED, Status.BROKEN);
        Case breach = cases.get(3);
        assertThat(breach.message()).isEqualTo("measured 212.000 ms, bound < 100 ms");
        assertThat(breach.parameters()).extracting(ReportModel.Parameter::name, ReportModel.Parameter::value)
                .contains(org.assertj.core.groups.Tuple.tuple("faults", "upstream latency downstream {latency=200}"),
                        org.assertj.core.groups.Tuple.tuple("rate (new players/s)", "5"),
                        org.assertj.core.groups.Tuple.tuple("measured", "212.000 ms"));
        assertThat(cases.get(4).message()).isEqualTo("not judged: needs a Prometheus");
        assertThat(breach.links()).extracting(ReportModel.Link::url).contains("../runs/r1/gatling/index.html");
    }

    @Test
    void thePhaseTestCarriesProfilesDiffChartsServerNumbersAndLogs() throws Exception {
        RunResult run = RunReader.read(FixtureRun.write(root.resolve("r")));
        Case fault = ReportBuilder.build(run, root).get(2);
        assertThat(fault.attachments()).extracting(ReportModel.Attachment::name).contains(
                "CPU flame graph: proxy (cpu, 10 samples)", "Allocation flame graph: proxy",
                "Diff flame graph: proxy against baseline", "Frames that grew most: proxy against baseline",
                "Latency over time (load side)", "Throughput over time (load side)",
                "Server request rate (Prometheus)", "Server-side numbers per phase", "Log excerpt: proxy.log");
        ReportModel.Attachment chart = fault.attachments().stream()
                .filter(a -> a.name().startsWith("Latency over time")).findFirst().orElseThrow();
        assertThat(chart.bytes()).startsWith(0x89, 'P', 'N', 'G');
        ReportModel.Attachment diff = fault.attachments().stream()
                .filter(a -> a.name().startsWith("Frames that grew")).findFirst().orElseThrow();
        assertThat(new String(diff.bytes(), StandardCharsets.UTF_8)).contains("sun.security.rsa.RSACore.crtCrypt",
                "+41.0 %");
        ReportModel.Attachment log = fault.attachments().stream()
                .filter(a -> a.name().startsWith("Log excerpt")).findFirst().orElseThrow();
        assertThat(new String(log.bytes(), StandardCharsets.UTF_8)).startsWith("== proxy.log: 2 lines, 1 WARN/ERROR")
                .contains("upstream reset");
        assertThat(fault.steps()).extracting(ReportModel.Step::name).contains("p50 < 100 ms — measured 212.000 ms");
        assertThat(ReportBuilder.build(run, root).get(0).attachments()).extracting(ReportModel.Attachment::name)
                .as("no diff of the baseline with itself").noneMatch(n -> n.startsWith("Diff"));
    }

    @Test
    void aDirectoryThatIsNotARunIsNamed() throws Exception {
        Files.createDirectories(root.resolve("empty"));
        assertThatThrownBy(() -> RunReader.read(root.resolve("empty")))
                .hasMessageContaining("timeline.json is missing (not a run directory?)");
        Files.writeString(root.resolve("empty/timeline.json"), "{not json");
        assertThatThrownBy(() -> RunReader.read(root.resolve("empty"))).hasMessageContaining("is not valid JSON");
    }

    @Test
    void optionalPartsMayBeMissing() throws Exception {
        Path dir = FixtureRun.write(root.resolve("r"));
        for (String f : new String[] {"metrics/client.json", "metrics/server.json", "profiles/profiles.json"}) {
            Files.delete(dir.resolve(f));
        }
        RunResult run = RunReader.read(dir);
        assertThat(run.client()).isEmpty();
        assertThat(run.profiles()).isEmpty();
        List<Case> cases = ReportBuilder.build(run, root);
        assertThat(cases).hasSize(5);
        assertThat(cases.get(0).attachments()).extracting(ReportModel.Attachment::name)
                .doesNotContain("Latency over time (load side)").contains("Server-side numbers per phase");
    }

    @Test
    void aTlsPhaseSaysHowTheServerListenedAndWhatTheHostsKept() throws Exception {
        Path dir = FixtureRun.write(root.resolve("r"));
        Path timeline = dir.resolve("timeline.json");
        Files.writeString(timeline, Files.readString(timeline).replaceFirst("\"phase\" *: *\"baseline\"",
                "\"phase\": \"baseline\", \"tls\": \"rsa2048 TLSv1.3\", \"reuse\": \"session\", \"hosts\": 2000"));
        RunResult run = RunReader.read(dir);
        assertThat(run.phases().get(0).tls()).isEqualTo("server TLS rsa2048 TLSv1.3, hosts keep session, 2000 hosts");
        assertThat(run.phases().get(1).tls()).isEmpty();
        Case baseline = ReportBuilder.build(run, root).get(0);
        assertThat(baseline.parameters()).extracting(ReportModel.Parameter::name)
                .contains("rate (polls/s)", "TLS").doesNotContain("rate (new players/s)");
    }
}
