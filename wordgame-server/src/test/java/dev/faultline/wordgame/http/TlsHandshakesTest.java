package dev.faultline.wordgame.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.faultline.wordgame.telemetry.Metrics;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * TLS handshakes over real sockets are counted as full or resumed, by version, and failures by reason; failures
 * are summarized in the log instead of a line each.
 */
class TlsHandshakesTest {
    @TempDir
    Path dir;

    private Path keystore(String name) throws Exception {
        Path p = dir.resolve(name);
        try (InputStream in = getClass().getResourceAsStream("/tls/" + name)) {
            Files.copy(in, p, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
        return p;
    }

    /** A TLS server on a free port with plain HTTP (for /metrics) beside it. */
    private TestServer server(String keystore, String protocol, String... more) throws Exception {
        String[] base = {"--tls-keystore", keystore(keystore).toString(), "--tls-keystore-password",
                InMemoryTls.PASSWORD, "--tls-protocols", protocol, "--tls-port", "0"};
        String[] all = new String[base.length + more.length];
        System.arraycopy(base, 0, all, 0, base.length);
        System.arraycopy(more, 0, all, base.length, more.length);
        return TestServer.start(all);
    }

    /** A client context trusting the test keystore's certificate. */
    private SSLContext client(String keystore) throws Exception {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = getClass().getResourceAsStream("/tls/" + keystore)) {
            ks.load(in, InMemoryTls.PASSWORD.toCharArray());
        }
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("server", ks.getCertificate(ks.aliases().nextElement()));
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        SSLContext ssl = SSLContext.getInstance("TLS");
        ssl.init(null, tmf.getTrustManagers(), null);
        return ssl;
    }

    /** One GET /health on its own connection (Connection: close), reading the whole answer (and any ticket). */
    private static void get(SSLContext ssl, int port) throws Exception {
        try (SSLSocket s = (SSLSocket) ssl.getSocketFactory().createSocket("localhost", port)) {
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            out.write("GET /health HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            String answer = new String(s.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
            assertThat(answer).startsWith("HTTP/1.1 200");
        }
    }

    private static double metric(TestServer s, String series) {
        return OperationsApiTest.value(s.get("/metrics").body(), series);
    }

    private static String handshakes(String resumed, String protocol) {
        return "wordgame_tls_handshakes_total{outcome=\"success\",protocol=\"" + protocol + "\",resumed=\"" + resumed
                + "\"}";
    }

    @ParameterizedTest
    @CsvSource({"bench-ec-p256.p12, TLSv1.3", "bench-ec-p256.p12, TLSv1.2", "bench-rsa2048.p12, TLSv1.3",
            "bench-rsa2048.p12, TLSv1.2"})
    void freshClientsMakeFullHandshakesAndAClientThatKeepsItsSessionResumes(String keystore, String protocol)
            throws Exception {
        try (TestServer s = server(keystore, protocol)) {
            int port = s.server.tlsPort();
            for (int i = 0; i < 3; i++) {
                get(client(keystore), port);
            }
            assertThat(metric(s, handshakes("false", protocol))).isEqualTo(3);
            assertThat(metric(s, handshakes("true", protocol))).isZero();
            SSLContext kept = client(keystore);
            for (int i = 0; i < 4; i++) {
                get(kept, port);
            }
            // the first connection of the kept context is a full handshake; the JDK client resumes the others
            assertThat(metric(s, handshakes("false", protocol))).isEqualTo(4);
            assertThat(metric(s, handshakes("true", protocol))).isEqualTo(3);
        }
    }

    @Test
    void theResumptionRuleHoldsOnASlowNetworkForBothVersions() throws Exception {
        for (String protocol : new String[] {"TLSv1.3", "TLSv1.2"}) {
            try (InMemoryTls t = InMemoryTls.start(InMemoryTls.KeyType.EC_P256, protocol)) {
                InMemoryTls.Handshake full = t.handshake(true, 20);
                assertThat(full.resumed()).isFalse();
                assertThat(TlsHandshakes.resumed(full.server())).as(protocol + " full").isFalse();
                InMemoryTls.Handshake again = t.handshake(true, 20);
                assertThat(again.resumed()).isTrue();
                assertThat(TlsHandshakes.resumed(again.server())).as(protocol + " resumed").isTrue();
            }
        }
    }

    /** The series' value once it has reached {@code atLeast} (at most 10 s). */
    private static double awaitMetric(TestServer s, String series, double atLeast) {
        return org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(50))
                .until(() -> metric(s, series), v -> v >= atLeast);
    }

    @Test
    void clientsThatGiveUpOrStaySilentAreCountedByReason() throws Exception {
        try (TestServer s = server("bench-ec-p256.p12", "TLSv1.3", "--tls-handshake-timeout", "300ms")) {
            int port = s.server.tlsPort();
            // half a ClientHello, then the client leaves
            for (int i = 0; i < 3; i++) {
                try (Socket raw = new Socket()) {
                    raw.connect(new InetSocketAddress("127.0.0.1", port), 5000);
                    raw.getOutputStream().write(new byte[] {0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01});
                    raw.getOutputStream().flush();
                }
            }
            assertThat(awaitMetric(s, "wordgame_tls_handshake_failures_total{reason=\"eof\"}", 3)).isEqualTo(3);
            // a whole ClientHello, the server's answer read, then the client leaves (it gave up waiting)
            for (int i = 0; i < 2; i++) {
                javax.net.ssl.SSLEngine engine = client("bench-ec-p256.p12").createSSLEngine("localhost", port);
                engine.setUseClientMode(true);
                java.nio.ByteBuffer hello = java.nio.ByteBuffer.allocate(engine.getSession().getPacketBufferSize());
                engine.beginHandshake();
                engine.wrap(java.nio.ByteBuffer.allocate(0), hello);
                try (Socket raw = new Socket()) {
                    raw.connect(new InetSocketAddress("127.0.0.1", port), 5000);
                    raw.setSoTimeout(5000);
                    raw.getOutputStream().write(hello.array(), 0, hello.position());
                    raw.getOutputStream().flush();
                    assertThat(raw.getInputStream().read(new byte[64])).as("the server answered").isPositive();
                }
            }
            assertThat(awaitMetric(s, "wordgame_tls_handshake_failures_total{reason=\"eof\"}", 5)).isEqualTo(5);
            // a client that connects and says nothing: the handshake timeout closes it
            try (Socket silent = new Socket()) {
                silent.connect(new InetSocketAddress("127.0.0.1", port), 5000);
                silent.setSoTimeout(5000);
                assertThat(silent.getInputStream().read()).as("closed by the server").isEqualTo(-1);
            }
            assertThat(awaitMetric(s, "wordgame_tls_handshake_failures_total{reason=\"timeout\"}", 1)).isEqualTo(1);
            assertThat(metric(s, "wordgame_tls_handshakes_total{outcome=\"failure\",protocol=\"none\",resumed=\"false\"}")).isEqualTo(6);
            // and the server still serves a good client
            get(client("bench-ec-p256.p12"), port);
        }
    }

    @Test
    void failuresAreSummarizedAtMostOnceAPeriodNotLoggedOneByOne() {
        Logger logger = (Logger) LoggerFactory.getLogger(TlsHandshakes.class);
        ListAppender<ILoggingEvent> appender = new ListAppender<>();
        appender.start();
        logger.addAppender(appender);
        try (Metrics metrics = new Metrics()) {
            TlsHandshakes h = new TlsHandshakes(metrics);
            for (int i = 0; i < 500; i++) {
                h.failed(new java.nio.channels.ClosedChannelException(), "127.0.0.1:" + (40000 + i));
            }
            h.failed(new javax.net.ssl.SSLHandshakeException("no cipher suites in common"), "127.0.0.1:1");
            h.summarize();
            h.summarize();
            assertThat(appender.list).filteredOn(e -> e.getLevel() == ch.qos.logback.classic.Level.WARN)
                    .singleElement().satisfies(e -> assertThat(e.getFormattedMessage())
                            .startsWith("501 TLS handshakes failed in the last 10s (eof=500, protocol=1); last from 127.0.0.1:1: SSLHandshakeException: no cipher suites in common"));
        } finally {
            logger.detachAppender(appender);
        }
    }

    @Test
    void theWarmUpMakesItsHandshakesBeforeTheServerListensAndCountsNone() throws Exception {
        Logger logger = (Logger) LoggerFactory.getLogger(WordgameServer.class);
        ch.qos.logback.classic.Level level = logger.getLevel();
        logger.setLevel(ch.qos.logback.classic.Level.INFO);
        ListAppender<ILoggingEvent> appender = new ListAppender<>();
        appender.start();
        logger.addAppender(appender);
        try (TestServer s = server("bench-ec-p256.p12", "TLSv1.3", "--tls-warmup", "40")) {
            ILoggingEvent done = appender.list.stream()
                    .filter(e -> e.getFormattedMessage().equals("TLS warm-up done")).findFirst().orElseThrow();
            java.util.Map<String, Object> kv = new java.util.HashMap<>();
            done.getKeyValuePairs().forEach(p -> kv.put(p.key, p.value));
            assertThat(((Number) kv.get("handshakes")).intValue()).isEqualTo(40);
            assertThat(kv.get("error")).isNull();
            int warmed = appender.list.indexOf(done);
            int listening = appender.list.stream().filter(e -> e.getFormattedMessage().equals("wordgame-server listening"))
                    .findFirst().map(appender.list::indexOf).orElseThrow();
            assertThat(warmed).as("warm-up before listening").isLessThan(listening);
            // the warm-up's handshakes are its own listener's, not counted as the server's
            assertThat(metric(s, handshakes("false", "TLSv1.3"))).isZero();
            get(client("bench-ec-p256.p12"), s.server.tlsPort());
            assertThat(metric(s, handshakes("false", "TLSv1.3"))).isEqualTo(1);
        } finally {
            logger.detachAppender(appender);
            logger.setLevel(level);
        }
        try (TestServer off = server("bench-ec-p256.p12", "TLSv1.3", "--tls-warmup", "0")) {
            get(client("bench-ec-p256.p12"), off.server.tlsPort());
        }
    }

    @Test
    void reasonsAreClassified() {
        assertThat(TlsHandshakes.reason(new java.nio.channels.ClosedChannelException())).isEqualTo("eof");
        assertThat(TlsHandshakes.reason(new java.io.IOException("Connection reset by peer"))).isEqualTo("reset");
        assertThat(TlsHandshakes.reason(new javax.net.ssl.SSLHandshakeException("bad"))).isEqualTo("protocol");
        assertThat(TlsHandshakes.reason(new io.netty.handler.ssl.SslHandshakeTimeoutException("handshake timed out after 300ms")))
                .isEqualTo("timeout");
        assertThat(TlsHandshakes.reason(new IllegalStateException("?"))).isEqualTo("other");
    }

    @Test
    void aBadHandshakeTimeoutIsAConfigErrorNamingIt() {
        assertThatThrownBy(() -> TestServer.start("--tls-handshake-timeout", "forever"))
                .hasMessageContaining("tls-handshake-timeout").hasMessageContaining("forever");
    }
}
