package dev.faultline.wordgame.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.Optional;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Who reaches /admin/* over real HTTP: forwarding headers, the token, and the admin API's own listener. */
class AdminAccessTest {
    private static final String FAULTS = "{\"errorRate\":1.0,\"errorCode\":503}";

    @TempDir
    Path dir;

    /** A request to the admin listener of {@code s}. */
    private static HttpResponse<String> admin(TestServer s, String method, String path, String body, String... headers) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + s.server.adminPort() + path))
                .timeout(java.time.Duration.ofSeconds(30))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (headers.length > 0) {
            b.headers(headers);
        }
        return TestServer.send(b.build());
    }

    private static double errorRate(TestServer s) {
        return new JsonObject(s.get("/admin/faults").body()).getDouble("errorRate");
    }

    /**
     * The exposure of issue 14: a proxy with a catch-all route connects from loopback, so a client anywhere could
     * change the faults. A request carrying a forwarding header is remote, whatever the peer address.
     */
    @Test
    void anAdminCallFromLoopbackThroughAProxyIs403WithoutTheToken() {
        try (TestServer s = TestServer.start()) {
            String[][] forwarded = {
                {"X-Forwarded-For", "203.0.113.9"}, {"Forwarded", "for=203.0.113.9;proto=http"},
                {"X-Real-IP", "203.0.113.9"}, {"x-forwarded-host", "public.example"},
            };
            for (String[] h : forwarded) {
                HttpResponse<String> r = s.method("PUT", "/admin/faults", FAULTS, h[0], h[1]);
                assertThat(r.statusCode()).as(h[0]).isEqualTo(403);
                assertThat(new JsonObject(r.body()).getString("error")).contains("proxy");
                assertThat(s.method("DELETE", "/admin/status", null, h[0], h[1]).statusCode()).isEqualTo(403);
                assertThat(s.get("/admin/faults", h[0], h[1]).statusCode()).isEqualTo(403);
            }
            assertThat(errorRate(s)).as("the faults were not changed").isZero();
            assertThat(s.post("/new", "", "X-Forwarded-For", "203.0.113.9").statusCode())
                    .as("the game API does not care").isEqualTo(200);
        }
    }

    @Test
    void aForwardedAdminCallWithTheTokenIsAllowed() {
        try (TestServer s = TestServer.start("--admin-token", "s3cret")) {
            assertThat(s.method("PUT", "/admin/faults", FAULTS, "X-Forwarded-For", "203.0.113.9").statusCode())
                    .isEqualTo(403);
            assertThat(s.method("PUT", "/admin/faults", FAULTS, "X-Forwarded-For", "203.0.113.9",
                    "Authorization", "Bearer wrong").statusCode()).isEqualTo(403);
            assertThat(s.method("PUT", "/admin/faults", FAULTS, "X-Forwarded-For", "203.0.113.9",
                    "Authorization", "Bearer s3cret").statusCode()).isEqualTo(200);
            assertThat(errorRate(s)).isEqualTo(1.0);
            assertThat(s.method("DELETE", "/admin/faults", null).statusCode()).as("loopback, no proxy").isEqualTo(200);
        }
    }

    @Test
    void withAnAdminPortTheAdminApiIsServedThereOnly() {
        try (TestServer s = TestServer.start("--admin-port", "0")) {
            int adminPort = s.server.adminPort();
            assertThat(adminPort).isPositive().isNotEqualTo(s.port);
            assertThat(admin(s, "PUT", "/admin/faults", FAULTS).statusCode()).isEqualTo(200);
            assertThat(s.post("/new", "").statusCode()).as("the faults apply to the main listener").isEqualTo(503);
            assertThat(new JsonObject(admin(s, "GET", "/admin/faults", null).body()).getDouble("errorRate"))
                    .isEqualTo(1.0);
            for (String[] call : new String[][] {{"PUT", "/admin/faults"}, {"GET", "/admin/faults"},
                {"DELETE", "/admin/faults"}, {"GET", "/admin/status"}, {"PUT", "/admin/status"}}) {
                HttpResponse<String> r = s.method(call[0], call[1], call[0].equals("PUT") ? FAULTS : null);
                assertThat(r.statusCode()).as("main listener: %s %s", call[0], call[1]).isEqualTo(404);
                assertThat(r.headers().firstValue("Content-Type")).hasValue("application/json");
                assertThat(new JsonObject(r.body()).getString("error")).contains("own port");
            }
            for (String path : new String[] {"/new", "/guess", "/health", "/ready", "/metrics", "/status", "/x"}) {
                HttpResponse<String> r = admin(s, path.equals("/new") || path.equals("/guess") ? "POST" : "GET", path, "");
                assertThat(r.statusCode()).as("admin listener: %s", path).isEqualTo(404);
                assertThat(new JsonObject(r.body()).getString("error")).isNotBlank();
            }
            assertThat(admin(s, "PUT", "/admin/status", "{\"code\":503}", "X-Forwarded-For", "203.0.113.9")
                    .statusCode()).as("the forwarding rule holds there too").isEqualTo(403);
            assertThat(admin(s, "DELETE", "/admin/faults", null).statusCode()).isEqualTo(200);
            assertThat(s.post("/new", "").statusCode()).isEqualTo(200);
            assertThat(s.get("/health").statusCode()).isEqualTo(200);
            assertThat(s.get("/metrics").body()).as("one set of metrics, admin calls included")
                    .contains("route=\"/admin/faults\",status=\"200\"");
        }
    }

    /** Reachable on a non-loopback address of this machine: the main listener (0.0.0.0), not the admin one. */
    @Test
    void theAdminListenerBindsLoopbackByDefault() throws Exception {
        Optional<InetAddress> external = Collections.list(NetworkInterface.getNetworkInterfaces()).stream()
                .filter(i -> isUp(i)).flatMap(i -> Collections.list(i.getInetAddresses()).stream())
                .filter(a -> a instanceof Inet4Address && !a.isLoopbackAddress() && !a.isLinkLocalAddress())
                .findFirst();
        if (external.isEmpty()) {
            System.out.println("SKIPPED theAdminListenerBindsLoopbackByDefault: this machine has no non-loopback "
                    + "IPv4 address to connect from (ServerConfigTest still pins the 127.0.0.1 default)");
        }
        Assumptions.assumeTrue(external.isPresent(), "no non-loopback IPv4 address on this machine");
        try (TestServer s = TestServer.start("--host", "0.0.0.0", "--admin-port", "0")) {
            try (Socket main = new Socket()) {
                main.connect(new InetSocketAddress(external.get(), s.port), 5_000);
            }
            try (Socket adminSocket = new Socket()) {
                org.assertj.core.api.Assertions.assertThatThrownBy(() -> adminSocket.connect(
                        new InetSocketAddress(external.get(), s.server.adminPort()), 5_000))
                        .isInstanceOf(ConnectException.class);
            }
            assertThat(admin(s, "GET", "/admin/status", null).statusCode()).isEqualTo(200);
        }
    }

    private static boolean isUp(NetworkInterface i) {
        try {
            return i.isUp();
        } catch (java.net.SocketException e) {
            return false;
        }
    }

    @Test
    void thePortFileHoldsThePortsEveryListenerGotAndGoesAwayOnShutdown() throws Exception {
        Path file = dir.resolve("ports.json");
        Path cert = dir.resolve("ec-cert.pem");
        Path key = dir.resolve("ec-key.pem");
        for (Path p : new Path[] {cert, key}) {
            try (InputStream in = getClass().getResourceAsStream("/tls/" + p.getFileName())) {
                Files.copy(in, p);
            }
        }
        try (TestServer s = TestServer.start("--admin-port", "0", "--port-file", file.toString())) {
            assertThat(new JsonObject(Files.readString(file))).isEqualTo(new JsonObject()
                    .put("port", s.port).put("adminPort", s.server.adminPort()).put("tlsPort", null));
            assertThat(Files.readString(file)).endsWith("}\n");
        }
        assertThat(file).doesNotExist();
        try (TestServer s = TestServer.start("--port-file", file.toString(), "--tls-cert", cert.toString(),
                "--tls-key", key.toString(), "--tls-port", "0", "--tls-warmup", "0")) {
            JsonObject ports = new JsonObject(Files.readString(file));
            assertThat(ports.getInteger("port")).isEqualTo(s.port);
            assertThat(ports.getInteger("tlsPort")).isEqualTo(s.server.tlsPort()).isPositive();
            assertThat(ports.containsKey("adminPort")).isTrue();
            assertThat(ports.getInteger("adminPort")).isNull();
            assertThat(s.get("/health").statusCode()).isEqualTo(200);
        }
        assertThat(file).doesNotExist();
    }
}
