package dev.faultline.chaos;

import static org.assertj.core.api.Assertions.assertThat;

import dev.faultline.testkit.Promtool;
import eu.rekawek.toxiproxy.Proxy;
import eu.rekawek.toxiproxy.ToxiproxyClient;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** {@code GET /metrics}: byte counters named as the real server's, in an exposition promtool accepts. */
class MetricsTest {
    @Test
    void bytesThroughAProxyAreCountedPerDirection() throws Exception {
        try (ChaosServer chaos = ChaosServer.start("127.0.0.1", 0);
             ServerSocket upstream = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            Proxy p = new ToxiproxyClient("127.0.0.1", chaos.port())
                    .createProxy("m", "127.0.0.1:0", "127.0.0.1:" + upstream.getLocalPort());
            int port = Integer.parseInt(p.getListen().substring(p.getListen().lastIndexOf(':') + 1));
            try (Socket client = new Socket("127.0.0.1", port); Socket server = upstream.accept()) {
                OutputStream out = client.getOutputStream();
                out.write("hello".getBytes(StandardCharsets.UTF_8));
                out.flush();
                InputStream in = server.getInputStream();
                assertThat(in.readNBytes(5)).isEqualTo("hello".getBytes(StandardCharsets.UTF_8));
                server.getOutputStream().write("hi!".getBytes(StandardCharsets.UTF_8));
                assertThat(client.getInputStream().readNBytes(3)).hasSize(3);
            }
            String metrics = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create(chaos.url() + "/metrics")).build(), HttpResponse.BodyHandlers.ofString()).body();
            String labels = ",listener=\"" + p.getListen() + "\",proxy=\"m\",upstream=\"127.0.0.1:"
                    + upstream.getLocalPort() + "\"}";
            assertThat(metrics).contains(
                    "toxiproxy_proxy_received_bytes_total{direction=\"upstream\"" + labels + " 5.0",
                    "toxiproxy_proxy_sent_bytes_total{direction=\"upstream\"" + labels + " 5.0",
                    "toxiproxy_proxy_received_bytes_total{direction=\"downstream\"" + labels + " 3.0",
                    "toxiproxy_proxy_sent_bytes_total{direction=\"downstream\"" + labels + " 3.0");
            Promtool.assertValidMetrics(metrics);
        }
    }
}
