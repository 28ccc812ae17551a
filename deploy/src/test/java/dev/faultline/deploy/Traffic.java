package dev.faultline.deploy;

import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Load on the stack, on loopback only: players that start games through the proxy and guess letters until the game
 * ends (won, lost or failed), a reader of /status and /health, and bursts of new games. Counts the answers it got,
 * so a test can wait until Prometheus has seen them all.
 */
final class Traffic implements AutoCloseable {
    private static final String LETTERS = "ETAOINSHRDLUCMFWYPVBGKJQXZ";

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(2)).build();
    private final String base;
    private final ExecutorService pool = Executors.newFixedThreadPool(5);
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final AtomicLong answered = new AtomicLong();

    Traffic(String proxyUrl) {
        this.base = proxyUrl;
    }

    /** Starts {@code players} game players and one /status and /health reader, each pausing {@code pause}. */
    void start(int players, Duration pause) {
        for (int i = 0; i < players; i++) {
            pool.submit(() -> {
                while (running.get()) {
                    play();
                    pauseFor(pause);
                }
            });
        }
        pool.submit(() -> {
            while (running.get()) {
                send(get("/status"));
                send(get("/health"));
                pauseFor(pause);
            }
        });
    }

    private void play() {
        HttpResponse<String> created = send(post("/new", ""));
        if (created == null || created.statusCode() != 200) {
            return;
        }
        String id = new JsonObject(created.body()).getString("id");
        for (char c : LETTERS.toCharArray()) {
            if (!running.get()) {
                return;
            }
            HttpResponse<String> r = send(post("/guess", new JsonObject().put("id", id).put("guess", String.valueOf(c))
                    .encode()));
            if (r == null || r.statusCode() != 200) {
                return;
            }
            JsonObject board = new JsonObject(r.body());
            if (!board.getString("current").contains("_") || board.getInteger("guesses_remaining") == 0) {
                return;
            }
        }
    }

    /** {@code n} POST /new at once (to meet the rate limiter); returns how many were answered 429. */
    long burst(int n) {
        List<CompletableFuture<HttpResponse<String>>> all = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            all.add(http.sendAsync(post("/new", ""), HttpResponse.BodyHandlers.ofString()));
        }
        long limited = 0;
        for (CompletableFuture<HttpResponse<String>> f : all) {
            try {
                HttpResponse<String> r = f.get(30, TimeUnit.SECONDS);
                answered.incrementAndGet();
                if (r.statusCode() == 429) {
                    limited++;
                }
            } catch (Exception e) {
                // counted as not answered
            }
        }
        return limited;
    }

    long answered() {
        return answered.get();
    }

    private HttpRequest get(String path) {
        return HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(10)).GET().build();
    }

    private HttpRequest post(String path, String body) {
        return HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(10))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build();
    }

    private HttpResponse<String> send(HttpRequest request) {
        try {
            HttpResponse<String> r = http.send(request, HttpResponse.BodyHandlers.ofString());
            answered.incrementAndGet();
            return r;
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            running.set(false);
            return null;
        }
    }

    private void pauseFor(Duration pause) {
        try {
            Thread.sleep(pause.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            running.set(false);
        }
    }

    /** Stops the players and waits (at most 30 s) for their last requests. */
    @Override
    public void close() {
        running.set(false);
        pool.shutdown();
        try {
            if (!pool.awaitTermination(30, TimeUnit.SECONDS)) {
                pool.shutdownNow();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            pool.shutdownNow();
        }
    }
}
