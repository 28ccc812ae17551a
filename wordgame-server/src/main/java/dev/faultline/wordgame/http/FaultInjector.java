package dev.faultline.wordgame.http;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicReference;

/** HTTP-level faults on the game endpoints, set through {@code PUT /admin/faults}. */
final class FaultInjector {
    static final long MAX_LATENCY_MS = 60_000;
    static final List<String> GAME_PATHS = List.of(Route.NEW.path, Route.GUESS.path);
    private static final Set<String> KEYS = Set.of("errorRate", "errorCode", "latencyMs", "jitterMs", "paths");

    /** The active faults; {@link #NONE} when none. */
    record Faults(double errorRate, int errorCode, long latencyMs, long jitterMs, List<String> paths) {
        static final Faults NONE = new Faults(0, 500, 0, 0, GAME_PATHS);

        static Faults fromJson(JsonObject o) {
            JsonBodies.onlyKeys(o, KEYS);
            double rate = JsonBodies.fraction(o, "errorRate", 0);
            int code = (int) JsonBodies.integer(o, "errorCode", 500, 400, 599);
            long latency = JsonBodies.integer(o, "latencyMs", 0, 0, MAX_LATENCY_MS);
            long jitter = JsonBodies.integer(o, "jitterMs", 0, 0, MAX_LATENCY_MS);
            List<String> paths = JsonBodies.strings(o, "paths", GAME_PATHS);
            for (String p : paths) {
                if (!GAME_PATHS.contains(p)) {
                    throw new BadRequest("field \"paths\" names " + p + "; faults apply to " + GAME_PATHS);
                }
            }
            if (paths.isEmpty()) {
                throw new BadRequest("field \"paths\" is empty; leave it out to mean " + GAME_PATHS);
            }
            return new Faults(rate, code, latency, jitter, List.copyOf(paths));
        }

        JsonObject toJson() {
            return new JsonObject().put("errorRate", errorRate).put("errorCode", errorCode)
                    .put("latencyMs", latencyMs).put("jitterMs", jitterMs).put("paths", new JsonArray(paths));
        }
    }

    /** What to do to one request: wait {@code delayMs}, then answer {@code errorCode} (0: serve normally). */
    record Decision(long delayMs, int errorCode) {
        static final Decision NONE = new Decision(0, 0);
    }

    private final AtomicReference<Faults> faults = new AtomicReference<>(Faults.NONE);

    Faults current() {
        return faults.get();
    }

    void set(Faults f) {
        faults.set(f);
    }

    void clear() {
        faults.set(Faults.NONE);
    }

    Decision decide(String path) {
        Faults f = faults.get();
        if (f == Faults.NONE || !f.paths().contains(path)) {
            return Decision.NONE;
        }
        ThreadLocalRandom random = ThreadLocalRandom.current();
        long delay = f.latencyMs();
        if (f.jitterMs() > 0) {
            delay += random.nextLong(-f.jitterMs(), f.jitterMs() + 1);
        }
        int error = f.errorRate() > 0 && random.nextDouble() < f.errorRate() ? f.errorCode() : 0;
        return new Decision(Math.max(0, delay), error);
    }
}
