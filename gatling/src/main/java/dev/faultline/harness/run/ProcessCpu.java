package dev.faultline.harness.run;

import io.vertx.core.json.JsonObject;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * CPU time of the stack's JVMs and of the load generator (this JVM), read from the operating system at each phase
 * boundary ({@code ProcessHandle.Info.totalCpuDuration}): it needs no answer from the servers, so it holds when a
 * saturated server cannot answer its own {@code /metrics} in time. Per phase: CPU seconds and cores used.
 */
final class ProcessCpu {
    /** Load generator's component name in the captured numbers. */
    static final String LOAD = "gatling";

    private record Reading(long epochMillis, Map<String, Long> pids, Map<String, Double> cpuSeconds) {
    }

    private final Map<String, Reading> readings = new LinkedHashMap<>();

    /** Reads every JVM's CPU time now, under {@code key} (a phase name, or the end). */
    synchronized void boundary(String key, Map<String, Long> jvms) {
        Map<String, Long> pids = new LinkedHashMap<>(jvms);
        pids.put(LOAD, ProcessHandle.current().pid());
        Map<String, Double> cpu = new LinkedHashMap<>();
        pids.forEach((component, pid) -> ProcessHandle.of(pid).flatMap(h -> h.info().totalCpuDuration())
                .ifPresent(d -> cpu.put(component, d.toNanos() / 1e9)));
        readings.put(key, new Reading(System.currentTimeMillis(), pids, cpu));
    }

    /**
     * Adds {@code process.<component>.cpuSeconds} and {@code .cores} to each phase of {@code captured}: the
     * difference between the phase's boundary and the next one's (the next phase's restart reading when the
     * server restarted in between). A component whose pid changed in between has no value.
     */
    synchronized void addTo(JsonObject captured, List<String> phases, String endKey) {
        JsonObject out = captured.getJsonObject("phases");
        if (out == null) {
            out = new JsonObject();
            captured.put("phases", out);
        }
        JsonObject measures = captured.getJsonObject("measures", new JsonObject());
        for (int i = 0; i < phases.size(); i++) {
            String phase = phases.get(i);
            String nextKey = i + 1 < phases.size() ? phases.get(i + 1) : endKey;
            Reading start = readings.get(phase);
            Reading end = readings.containsKey(nextKey + "#restart") ? readings.get(nextKey + "#restart")
                    : readings.get(nextKey);
            if (start == null || end == null) {
                continue;
            }
            JsonObject values = out.getJsonObject(phase);
            if (values == null) {
                values = new JsonObject();
                out.put(phase, values);
            }
            double seconds = (end.epochMillis() - start.epochMillis()) / 1000.0;
            for (Map.Entry<String, Double> e : start.cpuSeconds().entrySet()) {
                String c = e.getKey();
                Double after = end.cpuSeconds().get(c);
                boolean same = start.pids().get(c).equals(end.pids().get(c));
                double used = after == null || !same ? Double.NaN : after - e.getValue();
                values.put("process." + c + ".cpuSeconds", Double.isFinite(used) ? used : null);
                values.put("process." + c + ".cores", Double.isFinite(used) && seconds > 0 ? used / seconds : null);
                measures.put("process." + c + ".cpuSeconds", new JsonObject().put("unit", "CPU s")
                        .put("source", "the operating system (ProcessHandle), at the phase's boundaries"));
                measures.put("process." + c + ".cores", new JsonObject().put("unit", "cores")
                        .put("source", "the operating system (ProcessHandle), at the phase's boundaries"));
            }
        }
        captured.put("measures", measures);
    }
}
