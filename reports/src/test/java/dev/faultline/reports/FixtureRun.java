package dev.faultline.reports;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A run directory as the harness writes it, with known contents: phases baseline (no fault) and fault (latency),
 * three hypotheses (one held, one breached, one that could not be judged), per-second client points, server
 * numbers with series, a profile per phase with a diff, and a log.
 */
final class FixtureRun {
    static final long T0 = 1_800_000_000_000L;

    private FixtureRun() {
    }

    static Path write(Path dir) throws IOException {
        Files.createDirectories(dir.resolve("metrics"));
        Files.createDirectories(dir.resolve("profiles/baseline"));
        Files.createDirectories(dir.resolve("profiles/fault"));
        Files.createDirectories(dir.resolve("logs"));
        Files.createDirectories(dir.resolve("gatling"));
        Files.writeString(dir.resolve("gatling/index.html"), "<html><body>gatling</body></html>");
        Files.writeString(dir.resolve("timeline.json"), new JsonObject().put("experiment", "fixture")
                .put("description", "A fixture experiment.").put("target", "edge").put("startMillis", T0)
                .put("metricsSource", "snapshots")
                .put("phases", new JsonArray()
                        .add(new JsonObject().put("phase", "baseline").put("startMillis", T0).put("durationMillis", 10_000)
                                .put("rate", 5.0).put("faults", new JsonArray()))
                        .add(new JsonObject().put("phase", "fault").put("startMillis", T0 + 10_000)
                                .put("durationMillis", 10_000).put("rate", 5.0)
                                .put("faults", new JsonArray().add("upstream latency downstream {latency=200}"))))
                .encode());
        Files.writeString(dir.resolve("verdicts.json"), new JsonObject().put("experiment", "fixture").put("passed", false)
                .put("verdicts", new JsonArray()
                        .add(verdict("baseline", "success ratio >= 0.99", ">= 0.99", "1.000", true, null))
                        .add(verdict("fault", "p50 < 100 ms", "< 100 ms", "212.000 ms", false, null))
                        .add(verdict("fault", "server proxy.retries > 0", "> 0", "not judged", false,
                                "needs a Prometheus")))
                .encode());
        JsonArray series = new JsonArray();
        for (int s = 0; s < 20; s++) {
            series.add(new JsonObject().put("t", T0 + s * 1000L).put("requests", 40 + s).put("errors", s >= 10 ? 2 : 0)
                    .put("p50Millis", s >= 10 ? 210.0 : 4.0).put("p99Millis", s >= 10 ? 260.0 : 12.0));
        }
        Files.writeString(dir.resolve("metrics/client.json"), new JsonObject().put("series", series).encode());
        JsonArray rate = new JsonArray();
        for (int s = 0; s < 20; s++) {
            rate.add(new JsonArray().add(T0 + s * 1000L).add(40.0 + s));
        }
        Files.writeString(dir.resolve("metrics/server.json"), new JsonObject().put("source", "snapshots (fixture)")
                .put("prometheus", false)
                .put("measures", new JsonObject().put("proxy.requestRate", new JsonObject().put("unit", "req/s")))
                .put("phases", new JsonObject()
                        .put("baseline", new JsonObject().put("proxy.requestRate", 45.0).putNull("proxy.retries"))
                        .put("fault", new JsonObject().put("proxy.requestRate", 55.0).put("proxy.retries", 0.0)))
                .put("series", new JsonObject().put("proxy.requestRate", rate)).encode());
        for (String phase : new String[] {"baseline", "fault"}) {
            Files.writeString(dir.resolve("profiles/" + phase + "/proxy.html"), "<html><title>cpu " + phase
                    + "</title><body>flame graph of " + phase + "</body></html>");
            Files.writeString(dir.resolve("profiles/" + phase + "/proxy-alloc.html"), "<html><body>alloc</body></html>");
            Files.writeString(dir.resolve("profiles/" + phase + "/proxy.collapsed"), "main;serve 10\n");
        }
        Files.writeString(dir.resolve("profiles/fault/proxy-diff.html"), "<html><body>diff flame graph</body></html>");
        JsonObject base = recording("baseline");
        JsonObject fault = recording("fault").put("diffFlameGraph", "fault/proxy-diff.html").put("against", "baseline")
                .put("grewMost", new JsonArray().add(new JsonObject().put("frame", "sun.security.rsa.RSACore.crtCrypt")
                        .put("baselineSelf", 0.01).put("phaseSelf", 0.42).put("baselineTotal", 0.02).put("phaseTotal", 0.5)));
        Files.writeString(dir.resolve("profiles/profiles.json"), new JsonObject().put("baseline", "baseline")
                .put("recordings", new JsonArray().add(base).add(fault)).encode());
        Files.writeString(dir.resolve("logs/proxy.log"), "{\"level\":\"INFO\",\"message\":\"started\"}\n"
                + "{\"level\":\"ERROR\",\"message\":\"upstream reset\"}\n");
        return dir;
    }

    private static JsonObject recording(String phase) {
        return new JsonObject().put("phase", phase).put("component", "proxy").put("event", "cpu").put("samples", 10)
                .put("cpuFlameGraph", phase + "/proxy.html").put("allocFlameGraph", phase + "/proxy-alloc.html")
                .put("collapsed", phase + "/proxy.collapsed");
    }

    private static JsonObject verdict(String phase, String h, String bound, String measured, boolean passed,
                                      String error) {
        return new JsonObject().put("phase", phase).put("hypothesis", h).put("bound", bound).put("measured", measured)
                .put("requests", 100).put("passed", passed).put("error", error);
    }
}
