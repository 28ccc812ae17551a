package dev.faultline.perf.prom;

import dev.faultline.runtime.process.ParentBound;
import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A real Prometheus for one run: found on {@code PATH} or at {@code PROMETHEUS_BIN}, started as a child process on
 * a free loopback port with a generated config that scrapes the run's targets every second, its data in the run
 * directory; {@link #close()} stops it (SIGTERM, then kill). It dies with this JVM however that ends
 * ({@link ParentBound}).
 */
public final class PrometheusServer implements AutoCloseable {
    private static final Duration READY = Duration.ofSeconds(30);

    private final Process process;
    private final String url;

    private PrometheusServer(Process process, String url) {
        this.process = process;
        this.url = url;
    }

    /** The prometheus binary: {@code PROMETHEUS_BIN}, else {@code prometheus} on {@code PATH}, else null. */
    public static Path find() {
        String bin = System.getenv("PROMETHEUS_BIN");
        if (bin != null && !bin.isBlank()) {
            return Path.of(bin);
        }
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            Path p = Path.of(dir, "prometheus");
            if (!dir.isEmpty() && Files.isExecutable(p)) {
                return p;
            }
        }
        return null;
    }

    /** The scrape config: one job per target ({@code job -> host:port/path}), every second. */
    public static String config(Map<String, String> targets) {
        StringBuilder sb = new StringBuilder("global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n"
                + "  evaluation_interval: 1s\nscrape_configs:\n");
        targets.forEach((job, target) -> {
            int slash = target.indexOf('/');
            String hostPort = slash < 0 ? target : target.substring(0, slash);
            String path = slash < 0 ? "/metrics" : target.substring(slash);
            sb.append("- job_name: ").append(job).append("\n  metrics_path: ").append(path)
                    .append("\n  static_configs:\n  - targets: ['").append(hostPort).append("']\n");
        });
        return sb.toString();
    }

    /**
     * Starts {@code binary} scraping {@code targets}, its config and data under {@code dir}, and waits until every
     * target has been scraped up once (at most 30 s); throws with the reason otherwise, having stopped it.
     */
    public static PrometheusServer start(Path binary, Path dir, Map<String, String> targets) throws IOException {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        PrometheusServer server = start(binary, dir, config(targets), port);
        try {
            server.awaitTargets(targets.keySet(), READY);
        } catch (IOException | RuntimeException e) {
            server.close();
            throw e;
        }
        return server;
    }

    /**
     * Starts {@code binary} with {@code config} (written to {@code dir/prometheus.yml}), its data and log
     * ({@code prometheus.log}) under {@code dir}, listening on 127.0.0.1:{@code port}, and waits until it is ready
     * ({@code /-/ready}, at most 30 s); throws with the reason otherwise, having stopped it.
     */
    public static PrometheusServer start(Path binary, Path dir, String config, int port) throws IOException {
        Files.createDirectories(dir);
        Path file = dir.resolve("prometheus.yml");
        Files.writeString(file, config);
        List<String> cmd = new ArrayList<>(List.of(binary.toString(), "--config.file=" + file,
                "--storage.tsdb.path=" + dir.resolve("data"), "--storage.tsdb.retention.time=1d",
                "--web.listen-address=127.0.0.1:" + port, "--log.level=warn"));
        Process p = ParentBound.start(new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(dir.resolve("prometheus.log").toFile()));
        PrometheusServer server = new PrometheusServer(p, "http://127.0.0.1:" + port);
        try {
            server.awaitReady(READY);
        } catch (IOException | RuntimeException e) {
            server.close();
            throw e;
        }
        return server;
    }

    private void awaitReady(Duration deadline) throws IOException {
        java.net.http.HttpClient http = java.net.http.HttpClient.newBuilder()
                .version(java.net.http.HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(2)).build();
        long end = System.nanoTime() + deadline.toNanos();
        while (true) {
            if (!process.isAlive()) {
                throw new IOException("prometheus exited with status " + process.exitValue() + " (see its log)");
            }
            try {
                if (http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(url + "/-/ready"))
                        .timeout(Duration.ofSeconds(2)).build(),
                        java.net.http.HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted waiting for prometheus", e);
            }
            if (System.nanoTime() > end) {
                throw new IOException("prometheus not ready within " + deadline.toSeconds() + " s (see its log)");
            }
            pause();
        }
    }

    private static void pause() throws IOException {
        try {
            Thread.sleep(100);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted waiting for prometheus", e);
        }
    }

    private void awaitTargets(java.util.Set<String> jobs, Duration deadline) throws IOException {
        PromClient client = new PromClient(url);
        long end = System.nanoTime() + deadline.toNanos();
        String last = "not answering";
        while (System.nanoTime() < end) {
            if (!process.isAlive()) {
                throw new IOException("prometheus exited with status " + process.exitValue() + " (see its log)");
            }
            try {
                java.util.Set<String> up = new java.util.HashSet<>();
                for (PromClient.Series s : client.instant("up == 1", System.currentTimeMillis() / 1000.0)) {
                    up.add(s.labels().get("job"));
                }
                if (up.containsAll(jobs)) {
                    return;
                }
                last = "targets up: " + up + " of " + jobs;
            } catch (IOException e) {
                last = e.getMessage();
            }
            pause();
        }
        throw new IOException("prometheus did not scrape every target within " + deadline.toSeconds() + " s (" + last + ")");
    }

    public String url() {
        return url;
    }

    /** The Prometheus process (for its pid file). */
    public ProcessHandle process() {
        return process.toHandle();
    }

    @Override
    public void close() {
        ParentBound.stop(process, 10);
    }
}
