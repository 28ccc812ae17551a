package dev.faultline.harness.run;

import dev.faultline.harness.experiment.Experiment;
import dev.faultline.harness.stack.Stack;
import eu.rekawek.toxiproxy.model.Toxic;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** Puts a phase's faults on the stack and takes them off again: toxics through the client, HTTP faults through the word-game admin API. */
final class FaultApplier {
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();

    private final Stack stack;
    private final List<Toxic> active = new ArrayList<>();
    private boolean httpFaults;

    FaultApplier(Stack stack) {
        this.stack = stack;
    }

    /** Applies the faults; returns their descriptions for the timeline. */
    List<String> apply(List<Experiment.Fault> faults) throws IOException {
        List<String> applied = new ArrayList<>();
        int i = 0;
        for (Experiment.Fault f : faults) {
            if (f instanceof Experiment.Toxic t) {
                String name = t.type() + "_" + t.stream() + "_" + i++;
                JsonObject body = new JsonObject().put("name", name).put("type", t.type()).put("stream", t.stream())
                        .put("toxicity", t.toxicity()).put("attributes", new JsonObject(new java.util.HashMap<>(t.attributes())));
                HttpResponse<String> r = send("POST", stack.faultApiUrl() + "/proxies/" + t.link() + "/toxics", body);
                if (r.statusCode() != 200) {
                    throw new IOException("adding toxic " + name + " to link " + t.link() + " answered " + r.statusCode()
                            + ": " + r.body().strip());
                }
                active.add(stack.link(t.link()).toxics().get(name));
                applied.add(t.link() + ": " + t.type() + " " + t.stream() + " " + t.attributes()
                        + (t.toxicity() < 1 ? " toxicity " + t.toxicity() : ""));
            } else {
                Experiment.HttpFault h = (Experiment.HttpFault) f;
                JsonObject body = new JsonObject().put("errorRate", h.errorRate()).put("errorCode", h.errorCode())
                        .put("latencyMs", h.latencyMs()).put("jitterMs", h.jitterMs()).put("paths", new JsonArray(h.paths()));
                HttpResponse<String> r = send("PUT", stack.wordgameAdminUrl() + "/admin/faults", body);
                if (r.statusCode() != 200) {
                    throw new IOException("setting HTTP faults answered " + r.statusCode() + ": " + r.body().strip());
                }
                httpFaults = true;
                applied.add("http: " + body.encode());
            }
        }
        return applied;
    }

    /** Removes everything this applier put on. */
    void clear() throws IOException {
        for (Toxic t : active) {
            t.remove();
        }
        active.clear();
        if (httpFaults) {
            send("DELETE", stack.wordgameAdminUrl() + "/admin/faults", null);
            httpFaults = false;
        }
    }

    private static HttpResponse<String> send(String method, String url, JsonObject body) throws IOException {
        try {
            return HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10))
                    .header("Content-Type", "application/json").header("User-Agent", "faultline-harness")
                    .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                            : HttpRequest.BodyPublishers.ofString(body.encode())).build(),
                    HttpResponse.BodyHandlers.ofString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted");
        }
    }
}
