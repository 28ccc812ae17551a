package dev.faultline.proxy.http;

import dev.faultline.proxy.config.ProxyConfig;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** The proxy on free loopback ports with a YAML configuration written by the test. */
final class RunningProxy implements AutoCloseable {
    private static final HttpClient CLIENT = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    final ProxyServer server;
    final int port;

    RunningProxy(String yaml) {
        ProxyConfig config = ProxyConfig.parse("host: 127.0.0.1\nport: 0\naccessLog: false\n"
                + "metrics: {host: 127.0.0.1, port: 0}\n" + yaml, "test");
        server = new ProxyServer(config);
        port = server.start();
    }

    HttpResponse<String> send(String method, String path, String body, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(20))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (headers.length > 0) {
            b.headers(headers);
        }
        return CLIENT.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<String> get(String path, String... headers) throws Exception {
        return send("GET", path, null, headers);
    }

    String metrics() throws Exception {
        return CLIENT.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.metricsPort() + "/metrics"))
                .build(), HttpResponse.BodyHandlers.ofString()).body();
    }

    /** The sum of the samples of a metric whose line starts with {@code prefix}. */
    double metric(String prefix) throws Exception {
        return metrics().lines().filter(l -> l.startsWith(prefix))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
    }

    @Override
    public void close() {
        server.close();
    }
}
