package dev.faultline.wordgame.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSession;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** TLS with RSA and ECDSA keys from PEM (PKCS#8, PKCS#1, SEC1) and PKCS#12, checked with a verifying client. */
class TlsTest {
    @TempDir
    Path dir;

    private Path fixture(String name) throws Exception {
        Path target = dir.resolve(name);
        try (InputStream in = getClass().getResourceAsStream("/tls/" + name)) {
            Files.copy(in, target);
        }
        return target;
    }

    @ParameterizedTest(name = "{0} + {1} -> {2}")
    @CsvSource({
        "rsa-cert.pem, rsa-key.pem, RSA",
        "rsa-cert.pem, rsa-key-pkcs1.pem, RSA",
        "ec-cert.pem, ec-key.pem, EC",
        "ec-cert.pem, ec-key-sec1.pem, EC",
    })
    void servesPemKeys(String cert, String key, String algorithm) throws Exception {
        try (TestServer s = TestServer.start("--tls-cert", fixture(cert).toString(),
                "--tls-key", fixture(key).toString())) {
            HttpResponse<String> r = get(s.port, cert, "/new", "POST");
            assertThat(r.statusCode()).isEqualTo(200);
            SSLSession session = r.sslSession().orElseThrow();
            assertThat(session.getPeerCertificates()[0].getPublicKey().getAlgorithm()).isEqualTo(algorithm);
            assertThat(session.getProtocol()).isEqualTo("TLSv1.3");
        }
    }

    @Test
    void servesAPkcs12KeystoreAndHonoursTheProtocolList() throws Exception {
        try (TestServer s = TestServer.start("--tls-keystore", fixture("ec.p12").toString(),
                "--tls-keystore-password", "changeit", "--tls-protocols", "TLSv1.2")) {
            HttpResponse<String> r = get(s.port, "ec-cert.pem", "/health", "GET");
            assertThat(r.body()).isEqualTo("OK I'm healthy");
            assertThat(r.sslSession().orElseThrow().getProtocol()).isEqualTo("TLSv1.2");
        }
    }

    @Test
    void withTlsPortServesPlainHttpOnThePortAndTlsBesideIt() throws Exception {
        try (TestServer s = TestServer.start("--tls-keystore", fixture("ec.p12").toString(),
                "--tls-keystore-password", "changeit", "--tls-port", "0")) {
            assertThat(s.server.tlsPort()).isPositive().isNotEqualTo(s.port);
            assertThat(s.get("/health").body()).isEqualTo("OK I'm healthy");
            HttpResponse<String> r = get(s.server.tlsPort(), "ec-cert.pem", "/new", "POST");
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.sslSession().orElseThrow().getPeerCertificates()[0].getPublicKey().getAlgorithm())
                    .isEqualTo("EC");
            // both listeners count into the same metrics
            assertThat(s.get("/metrics").body()).contains("route=\"/new\"");
        }
    }

    @Test
    void aTlsPortWithoutAKeyIsAConfigError() {
        assertThatThrownBy(() -> TestServer.start("--tls-port", "8443"))
                .hasMessageContaining("tls-port").hasMessageContaining("8443");
    }

    @Test
    void aKeyThatIsNotAKeyFailsTheStartWithAReadableMessage() throws Exception {
        Path junk = Files.writeString(dir.resolve("junk.pem"), "not a key\n");
        assertThatThrownBy(() -> TestServer.start("--tls-cert", fixture("rsa-cert.pem").toString(),
                "--tls-key", junk.toString()))
                .isInstanceOf(WordgameServer.StartException.class)
                .hasMessageStartingWith("cannot listen on 127.0.0.1:0: ");
    }

    @Test
    void aWrongKeystorePasswordFailsTheStart() throws Exception {
        assertThatThrownBy(() -> TestServer.start("--tls-keystore", fixture("ec.p12").toString(),
                "--tls-keystore-password", "wrong"))
                .isInstanceOf(WordgameServer.StartException.class);
    }

    private HttpResponse<String> get(int port, String trustedCert, String path, String method) throws Exception {
        KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
        trust.load(null, null);
        try (InputStream in = getClass().getResourceAsStream("/tls/" + trustedCert)) {
            Certificate c = CertificateFactory.getInstance("X.509").generateCertificate(in);
            trust.setCertificateEntry("server", c);
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        SSLContext ssl = SSLContext.getInstance("TLS");
        ssl.init(null, tmf.getTrustManagers(), null);
        HttpClient client = HttpClient.newBuilder().sslContext(ssl).connectTimeout(Duration.ofSeconds(5)).build();
        return client.send(HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + port + path))
                        .method(method, HttpRequest.BodyPublishers.noBody()).build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
