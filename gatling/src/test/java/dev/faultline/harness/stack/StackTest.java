package dev.faultline.harness.stack;

import static org.assertj.core.api.Assertions.assertThat;

import eu.rekawek.toxiproxy.model.ToxicDirection;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The whole stack from the real jars: traffic through both links, a fault on a link, and a clean stop. */
class StackTest {
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    private static final Path ROOT = Path.of("").toAbsolutePath().getParent();

    @TempDir
    Path runDir;

    private static HttpResponse<String> post(String url, String body) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10))
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void aGameIsPlayedThroughEdgeProxyAndUpstreamAndALinkFaultShowsEndToEnd() throws Exception {
        List<ChildProcess> children;
        try (Stack stack = Stack.start(Stack.Options.defaults(ROOT, runDir))) {
            children = stack.children();
            HttpResponse<String> game = post(stack.edgeUrl() + "/new", "");
            assertThat(game.statusCode()).isEqualTo(200);
            assertThat(game.body()).contains("\"guesses_remaining\":6");
            assertThat(game.headers().firstValue("X-Request-Id")).isPresent();
            long t0 = System.nanoTime();
            post(stack.edgeUrl() + "/new", "");
            long base = (System.nanoTime() - t0) / 1_000_000;
            stack.link("upstream").toxics().latency("slow", ToxicDirection.DOWNSTREAM, 300);
            t0 = System.nanoTime();
            assertThat(post(stack.edgeUrl() + "/new", "").statusCode()).isEqualTo(200);
            long slowed = (System.nanoTime() - t0) / 1_000_000;
            assertThat(slowed - base).as("upstream latency shows at the edge (ms)").isBetween(250L, 900L);
            assertThat(HTTP.send(HttpRequest.newBuilder(URI.create(stack.proxyMetricsUrl())).build(),
                    HttpResponse.BodyHandlers.ofString()).body()).contains("proxy_requests_seconds_count");
            assertThat(children).allMatch(ChildProcess::alive);
            assertThat(Files.readString(runDir.resolve("proxy.yml"))).contains("forwardPort");

            // the admin API is not reachable through the proxy's catch-all route, only on its own loopback port
            String faults = "{\"errorRate\":1.0,\"errorCode\":500}";
            HttpResponse<String> viaProxy = HTTP.send(HttpRequest.newBuilder(URI.create(stack.edgeUrl() + "/admin/faults"))
                    .header("X-Forwarded-For", "203.0.113.9").PUT(HttpRequest.BodyPublishers.ofString(faults)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(viaProxy.statusCode()).as(viaProxy.body()).isIn(403, 404);
            assertThat(post(stack.edgeUrl() + "/new", "").statusCode()).as("no fault was set").isEqualTo(200);
            assertThat(stack.wordgameAdminUrl()).isNotEqualTo(stack.wordgameUrl());
            assertThat(HTTP.send(HttpRequest.newBuilder(URI.create(stack.wordgameAdminUrl() + "/admin/faults")).build(),
                    HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);
        }
        assertThat(children).hasSize(2).noneMatch(ChildProcess::alive);
        assertThat(runDir.resolve("logs/wordgame-server.log")).exists();
        assertThat(runDir.resolve("logs/proxy.log")).exists();
    }

    /** Trusts any certificate: the stack's keys are made for the run, self-signed. */
    private static HttpClient trustingClient() throws Exception {
        javax.net.ssl.TrustManager trustAll = new javax.net.ssl.X509TrustManager() {
            public void checkClientTrusted(java.security.cert.X509Certificate[] c, String a) {
            }

            public void checkServerTrusted(java.security.cert.X509Certificate[] c, String a) {
            }

            public java.security.cert.X509Certificate[] getAcceptedIssuers() {
                return new java.security.cert.X509Certificate[0];
            }
        };
        javax.net.ssl.SSLContext ssl = javax.net.ssl.SSLContext.getInstance("TLS");
        ssl.init(null, new javax.net.ssl.TrustManager[] {trustAll}, null);
        return HttpClient.newBuilder().sslContext(ssl).connectTimeout(Duration.ofSeconds(5)).build();
    }

    private static javax.net.ssl.SSLSession status(HttpClient client, String url) throws Exception {
        HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create(url + "/status"))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        return r.sslSession().orElseThrow();
    }

    @Test
    void aTlsListenerIsServedThroughTheTlsEdgeLinkAndARestartChangesItsKeyAndVersion() throws Exception {
        Stack.Options options = Stack.Options.defaults(ROOT, runDir)
                .withTls(java.util.Optional.of(new Stack.TlsListener("ecdsa-p256", "TLSv1.3")));
        try (Stack stack = Stack.start(options)) {
            assertThat(stack.tlsEdgeUrl()).startsWith("https://127.0.0.1:");
            javax.net.ssl.SSLSession s = status(trustingClient(), stack.tlsEdgeUrl());
            assertThat(s.getPeerCertificates()[0].getPublicKey().getAlgorithm()).isEqualTo("EC");
            assertThat(s.getProtocol()).isEqualTo("TLSv1.3");
            long before = stack.jvms().get("wordgame");
            stack.restartWordgame(new Stack.TlsListener("rsa4096", "TLSv1.2"));
            assertThat(stack.jvms().get("wordgame")).isNotEqualTo(before);
            s = status(trustingClient(), stack.tlsEdgeUrl());
            assertThat(s.getPeerCertificates()[0].getPublicKey().getAlgorithm()).isEqualTo("RSA");
            assertThat(((java.security.interfaces.RSAPublicKey) s.getPeerCertificates()[0].getPublicKey())
                    .getModulus().bitLength()).isEqualTo(4096);
            assertThat(s.getProtocol()).isEqualTo("TLSv1.2");
            // the plain listener, the proxy's upstream, still answers after the restart
            assertThat(post(stack.edgeUrl() + "/new", "").statusCode()).isEqualTo(200);
        }
        assertThat(runDir.resolve("tls/rsa2048.p12")).exists();
    }

    @Test
    void aMissingJarIsAClearErrorAndLeavesNothingRunning() {
        Path emptyRoot = runDir.resolve("nothing-built");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> Stack.start(Stack.Options.defaults(emptyRoot, runDir)))
                .hasMessageContaining("wordgame-server.jar does not exist; build it first");
    }
}
