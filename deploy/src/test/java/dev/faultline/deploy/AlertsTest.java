package dev.faultline.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/**
 * Every alert is explained and proved: it has a section in deploy/ALERTS.md with its reason and runbook line and
 * a runbook annotation pointing there, and the promtool unit tests show it both firing and silent.
 */
class AlertsTest {
    record Alert(String name, Map<String, Object> rule) {
    }

    @SuppressWarnings("unchecked")
    private static List<Alert> alerts() throws Exception {
        List<Alert> out = new ArrayList<>();
        for (Path f : Expressions.files(Repo.deploy("prometheus/rules"), ".yml")) {
            Map<String, Object> doc = new Yaml().load(Files.readString(f));
            for (Map<String, Object> g : (List<Map<String, Object>>) doc.get("groups")) {
                for (Map<String, Object> rule : (List<Map<String, Object>>) g.get("rules")) {
                    if (rule.containsKey("alert")) {
                        out.add(new Alert((String) rule.get("alert"), rule));
                    }
                }
            }
        }
        return out;
    }

    @Test
    void theIssuesAlertsAreAllThere() throws Exception {
        assertThat(alerts()).extracting(Alert::name).contains("AvailabilityBudgetBurnFast",
                "AvailabilityBudgetBurnSlow", "LatencyBudgetBurnFast", "LatencyBudgetBurnSlow", "CircuitBreakerOpen",
                "RateLimitingSustained", "RetriesAmplifyingLoad", "TargetDown", "ProbeFailing", "JvmHeapPressure",
                "JvmGcPressure", "FaultInjectionActive").doesNotHaveDuplicates();
    }

    @Test
    @SuppressWarnings("unchecked")
    void everyAlertHasASeverityAndASectionWithReasonAndRunbook() throws Exception {
        String doc = Files.readString(Repo.deploy("ALERTS.md"));
        for (Alert a : alerts()) {
            assertThat(((Map<String, Object>) a.rule().get("labels")).get("severity")).as(a.name())
                    .isIn("page", "ticket", "info");
            Map<String, Object> ann = (Map<String, Object>) a.rule().get("annotations");
            assertThat(ann).as(a.name()).containsKeys("summary", "description")
                    .containsEntry("runbook", "deploy/ALERTS.md#" + a.name().toLowerCase(java.util.Locale.ROOT));
            int at = doc.indexOf("\n## " + a.name() + "\n");
            assertThat(at).as("ALERTS.md has a section \"## " + a.name() + "\"").isNotNegative();
            int next = doc.indexOf("\n## ", at + 4);
            String section = doc.substring(at, next < 0 ? doc.length() : next);
            assertThat(section).as(a.name()).contains("**Why:**", "**Runbook:**");
        }
    }

    @Test
    @SuppressWarnings("unchecked")
    void everyAlertIsUnitTestedFiringAndSilent() throws Exception {
        Set<String> fires = new HashSet<>();
        Set<String> silent = new HashSet<>();
        for (Path f : Expressions.files(Repo.deploy("prometheus/tests"), ".yml")) {
            Map<String, Object> doc = new Yaml().load(Files.readString(f));
            for (Map<String, Object> test : (List<Map<String, Object>>) doc.get("tests")) {
                for (Map<String, Object> a : (List<Map<String, Object>>) test.getOrDefault("alert_rule_test", List.of())) {
                    List<?> expected = (List<?>) a.get("exp_alerts");
                    (expected == null || expected.isEmpty() ? silent : fires).add((String) a.get("alertname"));
                }
            }
        }
        for (Alert a : alerts()) {
            assertThat(fires).as(a.name() + " is shown firing by a promtool test").contains(a.name());
            assertThat(silent).as(a.name() + " is shown silent by a promtool test").contains(a.name());
        }
    }
}
