package dev.faultline.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/**
 * The dashboards as Grafana provisions them (no Grafana on the test machines): the five the issue asks for, each a
 * well-formed dashboard whose panels use provisioned datasources and defined variables. What their queries return
 * is StackQueryTest's job.
 */
class DashboardsTest {
    private static final Set<String> BUILT_IN = Set.of("__rate_interval", "__interval", "__range");

    @SuppressWarnings("unchecked")
    private static Map<String, String> datasources() throws Exception {
        Map<String, Object> doc = new Yaml().load(Files.readString(
                Repo.deploy("grafana/provisioning/datasources/datasources.yml")));
        Map<String, String> uidToType = new HashMap<>();
        for (Map<String, Object> ds : (List<Map<String, Object>>) doc.get("datasources")) {
            uidToType.put((String) ds.get("uid"), (String) ds.get("type"));
        }
        return uidToType;
    }

    private static List<Path> dashboards() throws Exception {
        return Expressions.files(Repo.deploy("grafana/dashboards"), ".json");
    }

    @Test
    void theFiveDashboardsAreThere() throws Exception {
        assertThat(dashboards()).extracting(p -> p.getFileName().toString()).containsExactlyInAnyOrder(
                "service-overview.json", "proxy-resilience.json", "fault-injection.json", "prober.json", "jvm.json");
        assertThat(datasources()).containsEntry("prometheus", "prometheus").containsEntry("loki", "loki")
                .containsEntry("tempo", "tempo").containsEntry("alertmanager", "alertmanager");
    }

    @Test
    void everyPanelIsWellFormedOnAProvisionedDatasource() throws Exception {
        Map<String, String> ds = datasources();
        Set<String> uids = new HashSet<>();
        for (Path f : dashboards()) {
            JsonObject d = new JsonObject(Files.readString(f));
            assertThat(uids.add(d.getString("uid"))).as(f + ": unique uid").isTrue();
            assertThat(d.getString("title")).as(f.toString()).startsWith("Faultline / ");
            Set<Integer> ids = new HashSet<>();
            for (JsonObject p : Expressions.panels(d)) {
                String where = f.getFileName() + ": panel \"" + p.getString("title") + "\"";
                assertThat(ids.add(p.getInteger("id"))).as(where + ": unique id").isTrue();
                JsonObject grid = p.getJsonObject("gridPos");
                assertThat(grid).as(where + ": gridPos").isNotNull();
                assertThat(grid.getInteger("x") + grid.getInteger("w")).as(where + ": fits 24 columns").isLessThanOrEqualTo(24);
                if (p.getString("type").equals("row")) {
                    continue;
                }
                assertThat(p.getString("description")).as(where + ": says what it shows").isNotBlank();
                assertThat(Expressions.targets(p)).as(where + ": queries").isNotEmpty();
                for (JsonObject t : Expressions.targets(p)) {
                    JsonObject source = t.getJsonObject("datasource", p.getJsonObject("datasource"));
                    assertThat(ds).as(where + ": datasource " + source).containsEntry(source.getString("uid"),
                            source.getString("type"));
                    assertThat(t.getString("expr")).as(where + " " + t.getString("refId")).isNotBlank();
                }
            }
        }
    }

    @Test
    void everyVariableAQueryUsesIsDefined() throws Exception {
        for (Path f : dashboards()) {
            JsonObject d = new JsonObject(Files.readString(f));
            Set<String> defined = new HashSet<>(BUILT_IN);
            d.getJsonObject("templating").getJsonArray("list")
                    .forEach(v -> defined.add(((JsonObject) v).getString("name")));
            for (JsonObject p : Expressions.panels(d)) {
                if (p.getString("repeat") != null) {
                    assertThat(defined).as(f + ": repeat variable").contains(p.getString("repeat"));
                }
                for (JsonObject t : Expressions.targets(p)) {
                    assertThat(defined).as(f + ": panel \"" + p.getString("title") + "\"")
                            .containsAll(Expressions.unresolved(t.getString("expr")));
                }
            }
        }
    }
}
