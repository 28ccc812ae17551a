package dev.faultline.chaos.compat;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.File;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import dev.faultline.testkit.ExternalTool;
import org.junit.jupiter.api.Assumptions;

/**
 * The real toxiproxy-server as a child process on a free loopback port. Found through {@code TOXIPROXY_SERVER},
 * then {@code toxiproxy-server} on PATH, then {@code $GOPATH/bin/server} or {@code ~/go/bin/server} (where
 * {@code go install github.com/Shopify/toxiproxy/v2/cmd/server@v2.12.0} puts it). Missing: skipped with a printed
 * reason where no Go toolchain exists, a failure under CI ({@code CI=true}) with Go, where {@code .ci/run} installs it.
 */
final class RealToxiproxy implements Target {
    private static final String INSTALL = "install it with: go install github.com/Shopify/toxiproxy/v2/cmd/server@v2.12.0";
    private final Process process;
    private final int port;

    private RealToxiproxy(Process process, int port) {
        this.process = process;
        this.port = port;
    }

    static Optional<Path> find() {
        List<Path> goBins = new ArrayList<>();
        String gopath = System.getenv("GOPATH");
        if (gopath != null && !gopath.isBlank()) {
            goBins.add(Path.of(gopath.split(File.pathSeparator)[0], "bin", "server"));
        }
        goBins.add(Path.of(System.getProperty("user.home"), "go", "bin", "server"));
        return new ExternalTool("toxiproxy-server", "TOXIPROXY_SERVER", INSTALL, goBins.toArray(Path[]::new)).find();
    }

    static RealToxiproxy startOrSkip() throws Exception {
        Optional<Path> binary = find();
        if (binary.isEmpty()) {
            String reason = "the real toxiproxy-server was not found (TOXIPROXY_SERVER, PATH, ~/go/bin/server); "
                    + INSTALL;
            if ("true".equals(System.getenv("CI")) && goAvailable()) {
                fail(reason + " -- CI has Go, so .ci/run should have installed it");
            }
            System.out.println("SKIPPED (LOUDLY): " + reason);
            Assumptions.abort(reason);
        }
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Process p = new ProcessBuilder(binary.get().toString(), "-host", "127.0.0.1", "-port", Integer.toString(port))
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        RealToxiproxy target = new RealToxiproxy(p, port);
        HttpClient client = HttpClient.newHttpClient();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        while (System.nanoTime() < deadline) {
            try {
                HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create(target.url() + "/version"))
                        .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200) {
                    return target;
                }
            } catch (java.io.IOException e) {
                // not up yet
            }
            if (!p.isAlive()) {
                break;
            }
            TimeUnit.MILLISECONDS.sleep(50);
        }
        target.close();
        throw new IllegalStateException("toxiproxy-server " + binary.get() + " did not answer on port " + port);
    }

    private static boolean goAvailable() {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            if (Files.isExecutable(Path.of(dir, "go"))) {
                return true;
            }
        }
        return Files.isExecutable(Path.of("/usr/local/go/bin/go"));
    }

    @Override
    public String host() {
        return "127.0.0.1";
    }

    @Override
    public int port() {
        return port;
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }
}
