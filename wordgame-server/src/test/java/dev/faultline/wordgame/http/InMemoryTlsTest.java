package dev.faultline.wordgame.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.faultline.wordgame.http.InMemoryTls.Handshake;
import dev.faultline.wordgame.http.InMemoryTls.KeyType;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import javax.net.ssl.SSLSession;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The helper of {@code TlsHandshakeBenchmark} measures what it claims: for every key type and TLS version the
 * handshake completes with the server's TLS stack, negotiates the requested version with the requested key type, a
 * full handshake really sends (and the client checks) the certificate, and a resumed one really resumes.
 */
class InMemoryTlsTest {
    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({
        "RSA_2048, TLSv1.3",
        "RSA_2048, TLSv1.2",
        "RSA_4096, TLSv1.3",
        "RSA_4096, TLSv1.2",
        "EC_P256, TLSv1.3",
        "EC_P256, TLSv1.2",
    })
    void fullAndResumedHandshakesAreWhatTheyClaim(KeyType keyType, String protocol) throws Exception {
        try (InMemoryTls tls = InMemoryTls.start(keyType, protocol)) {
            Handshake full = tls.handshake(false);
            assertThat(full.resumed()).as("a full handshake checks the server certificate").isFalse();
            assertNegotiated(full.client(), keyType, protocol);
            assertNegotiated(full.server(), keyType, protocol);
            assertThat(full.serverNanos()).isPositive();
            assertThat(tls.handshake(false).resumed()).as("full handshakes never resume").isFalse();

            Handshake first = tls.handshake(true);
            assertThat(first.resumed()).as("nothing cached for localhost:443 yet").isFalse();
            long checks = tls.certificateChecks();
            for (int i = 0; i < 3; i++) {
                Handshake resumed = tls.handshake(true);
                assertThat(resumed.resumed()).as("handshake %d with the same peer resumes", i).isTrue();
                assertNegotiated(resumed.client(), keyType, protocol);
                assertNegotiated(resumed.server(), keyType, protocol);
                if (protocol.equals("TLSv1.2")) {
                    // TLSv1.2 resumes the very session: same id, same creation time
                    assertThat(resumed.client().getId()).isEqualTo(first.client().getId());
                    assertThat(resumed.client().getCreationTime()).isEqualTo(first.client().getCreationTime());
                }
            }
            assertThat(tls.certificateChecks()).as("no certificate checked while resuming").isEqualTo(checks);
            assertThat(tls.handshake(false).resumed()).isFalse();
        }
    }

    private static void assertNegotiated(SSLSession session, KeyType keyType, String protocol) throws Exception {
        assertThat(session.getProtocol()).isEqualTo(protocol);
        X509Certificate cert = (X509Certificate) (session.getLocalCertificates() != null
                ? session.getLocalCertificates()[0] : session.getPeerCertificates()[0]);
        assertThat(cert.getPublicKey().getAlgorithm()).isEqualTo(keyType.algorithm);
        int bits = cert.getPublicKey() instanceof RSAPublicKey rsa ? rsa.getModulus().bitLength()
                : ((ECPublicKey) cert.getPublicKey()).getParams().getCurve().getField().getFieldSize();
        assertThat(bits).isEqualTo(keyType.bits);
        String suite = session.getCipherSuite();
        if (protocol.equals("TLSv1.3")) {
            assertThat(suite).startsWith("TLS_AES_").doesNotContain("ECDHE");
        } else {
            // the certificate's key type decides the TLSv1.2 suite: ECDHE_RSA or ECDHE_ECDSA
            assertThat(suite).startsWith(keyType == KeyType.EC_P256 ? "TLS_ECDHE_ECDSA_" : "TLS_ECDHE_RSA_");
        }
    }
}
