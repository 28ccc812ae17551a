package dev.faultline.reports;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Reads a run directory ({@code timeline.json}, {@code verdicts.json}, {@code metrics/}, {@code profiles/},
 * {@code gatling/}, {@code logs/}) into a {@link RunResult}. Only {@code timeline.json} and {@code verdicts.json}
 * are required; a missing or unreadable optional part leaves that part empty.
 */
public final class RunReader {
    private RunReader() {
    }

    /** Reads {@code dir}; a missing or malformed required file is an IOException naming it. */
    public static RunResult read(Path dir) throws IOException {
        JsonObject timeline = json(dir.resolve("timeline.json"), true);
        JsonObject verdicts = json(dir.resolve("verdicts.json"), true);
        List<RunResult.Phase> phases = new ArrayList<>();
        for (Object o : timeline.getJsonArray("phases", new JsonArray())) {
            JsonObject p = (JsonObject) o;
            List<String> faults = new ArrayList<>();
            p.getJsonArray("faults", new JsonArray()).forEach(f -> faults.add(String.valueOf(f)));
            phases.add(new RunResult.Phase(p.getString("phase"), p.getLong("startMillis", 0L),
                    p.getLong("durationMillis", 0L), p.getDouble("rate", 0.0), List.copyOf(faults),
                    p.containsKey("tls") ? "server TLS " + p.getString("tls") + ", hosts keep "
                            + p.getString("reuse", "none").replace("none", "nothing") + ", "
                            + p.getValue("hosts") + " hosts" : ""));
        }
        List<RunResult.Verdict> vs = new ArrayList<>();
        for (Object o : verdicts.getJsonArray("verdicts", new JsonArray())) {
            JsonObject v = (JsonObject) o;
            vs.add(new RunResult.Verdict(v.getString("phase"), v.getString("hypothesis"), v.getString("bound"),
                    v.getString("measured"), v.getLong("requests", 0L), v.getBoolean("passed", false),
                    v.getString("error"), v.getString("unjudged")));
        }
        JsonObject client = json(dir.resolve("metrics").resolve("client.json"), false);
        List<RunResult.ClientPoint> points = new ArrayList<>();
        for (Object o : client.getJsonArray("series", new JsonArray())) {
            JsonObject p = (JsonObject) o;
            points.add(new RunResult.ClientPoint(p.getLong("t"), p.getLong("requests"), p.getLong("errors"),
                    p.getDouble("p50Millis"), p.getDouble("p99Millis")));
        }
        JsonObject server = json(dir.resolve("metrics").resolve("server.json"), false);
        Map<String, Map<String, Double>> perPhase = new LinkedHashMap<>();
        server.getJsonObject("phases", new JsonObject()).forEach(e -> {
            Map<String, Double> values = new LinkedHashMap<>();
            ((JsonObject) e.getValue()).forEach(m -> values.put(m.getKey(),
                    m.getValue() == null ? null : ((Number) m.getValue()).doubleValue()));
            perPhase.put(e.getKey(), values);
        });
        Map<String, String> units = new LinkedHashMap<>();
        server.getJsonObject("measures", new JsonObject()).forEach(e ->
                units.put(e.getKey(), ((JsonObject) e.getValue()).getString("unit")));
        Map<String, List<double[]>> series = new LinkedHashMap<>();
        server.getJsonObject("series", new JsonObject()).forEach(e -> {
            List<double[]> pts = new ArrayList<>();
            for (Object p : (JsonArray) e.getValue()) {
                JsonArray a = (JsonArray) p;
                pts.add(new double[] {a.getLong(0), a.getDouble(1)});
            }
            series.put(e.getKey(), pts);
        });
        Path profilesDir = dir.resolve("profiles");
        JsonObject profiles = json(profilesDir.resolve("profiles.json"), false);
        List<RunResult.Profile> recs = new ArrayList<>();
        for (Object o : profiles.getJsonArray("recordings", new JsonArray())) {
            JsonObject r = (JsonObject) o;
            List<RunResult.FrameGrowth> grew = new ArrayList<>();
            for (Object g : r.getJsonArray("grewMost", new JsonArray())) {
                JsonObject x = (JsonObject) g;
                grew.add(new RunResult.FrameGrowth(x.getString("frame"), x.getDouble("baselineSelf"),
                        x.getDouble("phaseSelf"), x.getDouble("baselineTotal"), x.getDouble("phaseTotal")));
            }
            recs.add(new RunResult.Profile(r.getString("phase"), r.getString("component"), r.getString("event"),
                    r.getLong("samples", 0L), r.getString("error"), file(profilesDir, r.getString("cpuFlameGraph")),
                    file(profilesDir, r.getString("allocFlameGraph")), file(profilesDir, r.getString("collapsed")),
                    file(profilesDir, r.getString("diffFlameGraph")), r.getString("against"), List.copyOf(grew)));
        }
        Path gatling = dir.resolve("gatling").resolve("index.html");
        List<Path> logs = new ArrayList<>();
        if (Files.isDirectory(dir.resolve("logs"))) {
            try (Stream<Path> s = Files.list(dir.resolve("logs"))) {
                s.filter(Files::isRegularFile).sorted().forEach(logs::add);
            }
        }
        return new RunResult(verdicts.getString("experiment", timeline.getString("experiment", dir.getFileName().toString())),
                timeline.getString("description", ""), timeline.getString("target", ""), dir,
                timeline.getLong("startMillis", 0L), verdicts.getBoolean("passed", false),
                verdicts.getString("harnessError"),
                server.getString("source", timeline.getString("metricsSource", "no server-side metrics captured")),
                server.getBoolean("prometheus", false), List.copyOf(phases), List.copyOf(vs), List.copyOf(points),
                perPhase, units, series, List.copyOf(recs), profiles.getString("disabled"),
                gatling, List.copyOf(logs));
    }

    private static Path file(Path dir, String rel) {
        return rel == null ? null : dir.resolve(rel);
    }

    private static JsonObject json(Path file, boolean required) throws IOException {
        if (!Files.isRegularFile(file)) {
            if (required) {
                throw new IOException(file + " is missing (not a run directory?)");
            }
            return new JsonObject();
        }
        try {
            return new JsonObject(Files.readString(file));
        } catch (DecodeException | ClassCastException e) {
            if (required) {
                throw new IOException(file + " is not valid JSON: " + e.getMessage());
            }
            return new JsonObject();
        }
    }
}
