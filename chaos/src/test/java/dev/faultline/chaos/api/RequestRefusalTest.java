package dev.faultline.chaos.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.faultline.chaos.ChaosServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Refusals the embedded server makes and the real one does not (issue 14, items 9 and 11), over raw sockets: the
 * real server reads a request with both framing headers as chunked, and answers any {@code Host}.
 */
class RequestRefusalTest {
    private static ChaosServer chaos;

    @BeforeAll
    static void start() {
        chaos = ChaosServer.start("127.0.0.1", 0);
    }

    @AfterAll
    static void stop() {
        chaos.close();
    }

    @AfterEach
    void deleteEverything() throws IOException {
        for (String name : chaos.registry().all().stream().map(p -> p.name()).toList()) {
            exchange("DELETE /proxies/" + name + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
        }
    }

    /** Sends raw bytes and reads until the server closes (10 s at most: a connection left open fails the read). */
    private static String exchange(String request) throws IOException {
        try (Socket s = new Socket("127.0.0.1", chaos.port())) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
            s.getOutputStream().flush();
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            s.getInputStream().transferTo(out);
            return out.toString(StandardCharsets.US_ASCII);
        }
    }

    private static String proxies() throws IOException {
        String r = exchange("GET /proxies HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
        return r.substring(r.indexOf("\r\n\r\n") + 4);
    }

    private static String create(String name) {
        return "{\"name\":\"" + name + "\",\"upstream\":\"127.0.0.1:1\"}";
    }

    /** A chunked body that creates {@code outer}, followed by a request that a length-framing peer sees as body. */
    private static String smuggling(String version, String framingHeaders) {
        String body = create("outer");
        String smuggled = "POST /proxies HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: "
                + create("smuggled").length() + "\r\n\r\n" + create("smuggled");
        String chunked = Integer.toHexString(body.length()) + "\r\n" + body + "\r\n0\r\n\r\n";
        return "POST /proxies " + version + "\r\nHost: 127.0.0.1\r\n"
                + framingHeaders.replace("LEN", Integer.toString(chunked.length() + smuggled.length()))
                + "\r\n" + chunked + smuggled;
    }

    private static final String FRAMING_ERROR =
            "{\"error\":\"request has both Transfer-Encoding and Content-Length\",\"status\":400}\n";

    @Test
    void bothFramingHeadersAre400WithTheConnectionClosedAndNothingApplied() throws IOException {
        String[] headerOrders = {
            "Transfer-Encoding: chunked\r\nContent-Length: LEN\r\n",
            "Content-Length: LEN\r\nTransfer-Encoding: chunked\r\n",
        };
        for (String headers : headerOrders) {
            String answer = exchange(smuggling("HTTP/1.1", headers));
            assertThat(answer).as(headers).startsWith("HTTP/1.1 400 Bad Request\r\n").endsWith("\r\n\r\n" + FRAMING_ERROR)
                    .containsIgnoringCase("\r\nconnection: close\r\n").contains("\r\nX-Toxiproxy-Request-Id: ")
                    .containsIgnoringCase("\r\ncontent-type: text/plain; charset=utf-8\r\n");
            assertThat(answer.split("HTTP/1\\.1 ", -1)).as("one answer only: %s", answer).hasSize(2);
        }
        assertThat(proxies()).isEqualTo("{}");
    }

    /** HTTP/1.0 and other codings keep both headers past the decoder; the API refuses them itself. */
    @Test
    void bothFramingHeadersAre400ForHttp10Too() throws IOException {
        String answer = exchange(smuggling("HTTP/1.0", "Transfer-Encoding: chunked\r\nContent-Length: LEN\r\n"));
        assertThat(answer).startsWith("HTTP/1.0 400 Bad Request\r\n").endsWith("\r\n\r\n" + FRAMING_ERROR);
        assertThat(proxies()).isEqualTo("{}");
    }

    @Test
    void aNonLoopbackHostIsRefusedWhileTheApiListensOnLoopback() throws IOException {
        for (String host : new String[] {"evil.example", "evil.example:" + chaos.port(), "127.0.0.1.evil.example",
            "10.0.0.1", "[::2]:80", "localhost.evil.example", "127.0.0.256", "127.0.0.1:80x"}) {
            String answer = exchange("POST /proxies HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n"
                    + "Content-Length: " + create("rebound").length() + "\r\n\r\n" + create("rebound"));
            assertThat(answer).as(host).startsWith("HTTP/1.1 403 Forbidden\r\n").endsWith("\r\n\r\n{\"error\":\"host not "
                    + "allowed: " + host + " (the API listens on loopback; name localhost, 127.0.0.1 or [::1])\","
                    + "\"status\":403}\n");
        }
        assertThat(proxies()).isEqualTo("{}");
    }

    @Test
    void loopbackHostsWithOrWithoutPortAreServed() throws IOException {
        for (String host : new String[] {"localhost", "LocalHost:8474", "127.0.0.1", "127.0.0.1:" + chaos.port(),
            "127.255.0.9", "[::1]", "[::1]:" + chaos.port(), "[0:0:0:0:0:0:0:1]"}) {
            String answer = exchange("GET /version HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n");
            assertThat(answer).as(host).startsWith("HTTP/1.1 200 OK\r\n");
        }
    }

    @Test
    void boundElsewhereAnyHostIsServed() {
        assertThat(HostCheck.forBindHost("0.0.0.0").allows("evil.example")).isTrue();
        assertThat(HostCheck.forBindHost("::").allows("evil.example:8474")).isTrue();
        assertThat(HostCheck.forBindHost("127.0.0.1").allows("evil.example")).isFalse();
        assertThat(HostCheck.forBindHost("localhost").allows("evil.example")).isFalse();
        assertThat(HostCheck.forBindHost("::1").allows("evil.example")).isFalse();
        assertThat(HostCheck.forBindHost("127.0.0.1").allows(null)).as("no Host header (HTTP/1.0)").isTrue();
    }
}
