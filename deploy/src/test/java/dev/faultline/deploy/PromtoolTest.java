package dev.faultline.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.faultline.testkit.Promtool;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The real promtool on what deploy/prometheus ships: the config, the rules, and the rules' unit tests. */
class PromtoolTest {
    private static final Path DIR = Repo.deploy("prometheus");

    private static Run promtool(String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(Promtool.TOOL.require().toString()));
        command.addAll(List.of(args));
        return Run.of(DIR, Map.of(), command);
    }

    @Test
    void checkConfigAcceptsPrometheusYmlAndTheRulesItLoads() throws Exception {
        Run r = promtool("check", "config", "prometheus.yml");
        assertThat(r.exit()).as(r.output()).isZero();
        int ruleFiles = Expressions.files(DIR.resolve("rules"), ".yml").size();
        assertThat(r.output()).contains("SUCCESS: " + ruleFiles + " rule files found");
    }

    @Test
    void checkRulesAcceptsEveryRuleFile() throws Exception {
        List<String> args = new ArrayList<>(List.of("check", "rules"));
        Expressions.files(DIR.resolve("rules"), ".yml").forEach(f -> args.add(DIR.relativize(f).toString()));
        Run r = promtool(args.toArray(String[]::new));
        assertThat(r.exit()).as(r.output()).isZero();
        assertThat(r.output()).doesNotContain("FAILED");
    }

    @Test
    void testRulesPassesEveryUnitTestFile() throws Exception {
        List<Path> tests = Expressions.files(DIR.resolve("tests"), ".yml");
        assertThat(tests).isNotEmpty();
        for (Path t : tests) {
            Run r = promtool("test", "rules", DIR.relativize(t).toString());
            assertThat(r.exit()).as(t + ":\n" + r.output()).isZero();
            assertThat(r.output()).contains("SUCCESS");
        }
    }
}
