package dev.faultline.reports;

import static org.assertj.core.api.Assertions.assertThat;

import dev.faultline.testkit.ExternalTool;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The rendered report opened from disk in headless Chromium: one test per phase and hypothesis, a phase test's
 * attachments listed, an attachment opened, history carried from the previous report. The screenshots are kept in
 * {@code reports/target/screenshots/}.
 */
class AllureReportBrowserTest {
    static final ExternalTool CHROMIUM = new ExternalTool("chromium", "CHROMIUM_BIN",
            "install Debian's chromium package (apt-get install -y chromium)");
    static final Path SCREENSHOTS = Path.of("target", "screenshots");

    @TempDir
    Path root;

    @Test
    void theReportOpensFromDiskWithEveryPhaseHypothesisAndAttachment() throws Exception {
        Path chromium = CHROMIUM.require();
        Path run = FixtureRun.write(root.resolve("reports/runs/20300101-000000-fixture"));
        Path first = Reports.compile(root, List.of(run), run.resolve("allure-results"), Map.of("Fault backend", "embedded"));
        Path index = Reports.compile(root, List.of(run), run.resolve("allure-results"), Map.of("Fault backend", "embedded"));
        assertThat(index).isEqualTo(first).isEqualTo(root.resolve("reports/allure-report/index.html"));
        JsonArray trend = new JsonArray(Files.readString(root.resolve("reports/allure-report/history/history-trend.json")));
        assertThat(trend).as("the second report carries the first one's history").hasSize(2);
        assertThat(Files.readString(run.resolve("allure-results/environment.properties")))
                .contains("Fault_backend = embedded", "Cores = ");
        assertThat(Files.readString(run.resolve("allure-results/categories.json"))).contains("SLO breach",
                "Harness failure");

        String html = Files.readString(index);
        Map<String, String[]> tests = tests(new JsonObject(embedded(html, "data/suites.json")));
        assertThat(tests.keySet()).containsExactlyInAnyOrder("baseline", "baseline: success ratio >= 0.99", "fault",
                "fault: p50 < 100 ms", "fault: server proxy.retries > 0");

        String[] fault = tests.get("fault");
        Files.createDirectories(SCREENSHOTS);
        String url = index.toUri() + "#suites/" + fault[0] + "/" + fault[1];
        String dom = chromium(chromium, "--dump-dom", url);
        assertThat(dom).contains("p50 &lt; 100 ms — measured 212.000 ms", "CPU flame graph: proxy (cpu, 10 samples)",
                "Diff flame graph: proxy against baseline", "Frames that grew most: proxy against baseline",
                "Latency over time (load side)", "Log excerpt: proxy.log", "fault: server proxy.retries &gt; 0");
        chromium(chromium, "--screenshot=" + SCREENSHOTS.resolve("allure-phase.png").toAbsolutePath(), url);
        assertThat(SCREENSHOTS.resolve("allure-phase.png")).isNotEmptyFile();

        JsonObject testCase = new JsonObject(embedded(html, "data/test-cases/" + fault[1] + ".json"));
        String flame = attachmentUid(testCase, "Diff flame graph: proxy against baseline");
        String opened = chromium(chromium, "--dump-dom", index.toUri() + "#testresult/" + fault[1] + "?attachment=" + flame);
        Matcher iframe = Pattern.compile("<iframe[^>]*src=\"data:text/html;base64,([A-Za-z0-9+/=]+)\"").matcher(opened);
        assertThat(iframe.find()).as("the attachment opens in a frame").isTrue();
        assertThat(new String(Base64.getDecoder().decode(iframe.group(1)), StandardCharsets.UTF_8))
                .contains("diff flame graph");
        String chart = attachmentUid(testCase, "Latency over time (load side)");
        String chartUrl = index.toUri() + "#testresult/" + fault[1] + "?attachment=" + chart;
        assertThat(chromium(chromium, "--dump-dom", chartUrl)).containsPattern("<img[^>]*src=\"data:image/png;base64,");
        chromium(chromium, "--screenshot=" + SCREENSHOTS.resolve("allure-chart.png").toAbsolutePath(), chartUrl);
    }

    /** Test name -> {parent uid, test uid}, from the report's suites tree. */
    private static Map<String, String[]> tests(JsonObject node) {
        Map<String, String[]> out = new LinkedHashMap<>();
        walk(node, out);
        return out;
    }

    private static void walk(JsonObject node, Map<String, String[]> out) {
        for (Object o : node.getJsonArray("children", new JsonArray())) {
            JsonObject c = (JsonObject) o;
            if (c.containsKey("children")) {
                walk(c, out);
            } else {
                out.put(c.getString("name"), new String[] {node.getString("uid"), c.getString("uid")});
            }
        }
    }

    private static String attachmentUid(JsonObject testCase, String name) {
        List<JsonObject> all = new ArrayList<>();
        testCase.getJsonObject("testStage").getJsonArray("attachments").forEach(a -> all.add((JsonObject) a));
        return all.stream().filter(a -> a.getString("name").equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("no attachment " + name)).getString("uid");
    }

    /** A data file embedded in the single-file report. */
    private static String embedded(String html, String path) {
        Matcher m = Pattern.compile(Pattern.quote(path) + "','([A-Za-z0-9+/=]+)'").matcher(html);
        assertThat(m.find()).as(path + " embedded in index.html").isTrue();
        return new String(Base64.getDecoder().decode(m.group(1)), StandardCharsets.UTF_8);
    }

    private static String chromium(Path bin, String mode, String url) throws IOException, InterruptedException {
        List<String> cmd = List.of(bin.toString(), "--headless=new", "--no-sandbox", "--disable-gpu",
                "--disable-dev-shm-usage", "--no-first-run", "--window-size=1400,1400", "--virtual-time-budget=20000",
                mode, url);
        Path out = Files.createTempFile("chromium", ".out");
        try {
            Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD)
                    .redirectOutput(out.toFile()).start();
            if (!p.waitFor(90, TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                throw new AssertionError("chromium did not finish within 90 s: " + url);
            }
            return Files.readString(out);
        } finally {
            Files.deleteIfExists(out);
        }
    }
}
