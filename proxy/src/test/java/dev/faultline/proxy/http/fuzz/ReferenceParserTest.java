package dev.faultline.proxy.http.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import dev.faultline.proxy.http.fuzz.ReferenceParser.Mode;
import dev.faultline.proxy.http.fuzz.ReferenceParser.Reading;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/** The fuzzer's oracle on its own: what it reads, what it refuses, and where the bytes run out. */
class ReferenceParserTest {
    private static Reading read(String s, Mode mode) {
        return ReferenceParser.read(s.getBytes(StandardCharsets.ISO_8859_1), mode);
    }

    @Test
    void readsPipelinedRequestsFramedEveryWayTheRfcAllows() {
        Reading r = read("\r\nGET /a HTTP/1.1\nHost: x\n\nPOST /b HTTP/1.1\r\nContent-Length: 3\r\nContent-Length: 03, 3\r\n\r\nabc"
                + "PUT /c HTTP/1.1\r\nTransfer-Encoding: , Chunked\r\n\r\n3 ; a = \"q\\\"\";b\r\nxyz\r\n0;c=d\r\nT: v\r\n\r\n"
                + "GET /d HTTP/1.0\r\n\r\nGET /never HTTP/1.1\r\n\r\n", Mode.RECEIVED);
        assertThat(r.requests()).extracting(q -> q.method() + " " + q.target() + " " + new String(q.body(), StandardCharsets.ISO_8859_1))
                .containsExactly("GET /a ", "POST /b abc", "PUT /c xyz", "GET /d ");
        assertThat(r.complete()).isTrue(); // HTTP/1.0 without keep-alive ends the connection: /never is not read
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "POST / HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n",
        "POST / HTTP/1.1\r\nTransfer-Encoding: identity, chunked\r\n\r\n0\r\n\r\n",
        "POST / HTTP/1.1\r\nTransfer-Encoding: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
        "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n",
        "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
        "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0x5\r\nhello\r\n0\r\n\r\n",
        "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5x\r\nhello\r\n0\r\n\r\n",
        "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\nhello\r\n0\r\n\r\n",
        "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nGET /hidden HTTP/1.1\r\nHost: x\r\n\r\n",
        "POST / HTTP/1.1\r\nContent-Length: 5, 6\r\n\r\nhello",
        "POST / HTTP/1.1\r\nContent-Length: +5\r\n\r\nhello",
        "GET / HTTP/1.1\r\nX: a\r\n b\r\n\r\n",
        "GET / HTTP/1.1\r\nX : a\r\n\r\n",
        "GET / HTTP/1.1\r\nX: a\rb\r\n\r\n",
        "\rGET / HTTP/1.1\r\n\r\n",
        "GET / HTTP/2.0\r\n\r\n",
        "GET /\u0080 HTTP/1.1\r\n\r\n"})
    void refusesWhatCouldBeReadTwoWays(String request) {
        Reading r = read(request, Mode.RECEIVED);
        assertThat(r.requests()).isEmpty();
        assertThat(r.refusal()).isNotNull();
    }

    @Test
    void stopsWhereTheBytesRunOut() {
        Reading r = read("GET /a HTTP/1.1\r\n\r\nPOST /b HTTP/1.1\r\nContent-Length: 5\r\n\r\nhel", Mode.RECEIVED);
        assertThat(r.requests()).hasSize(1);
        assertThat(r.refusal()).isNull();
        assertThat(r.complete()).isFalse();
    }

    @Test
    void aForwardedRequestMustBeCanonical() {
        assertThat(read("POST / HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello", Mode.FORWARDED).complete()).isTrue();
        assertThat(read("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n", Mode.FORWARDED)
                .complete()).isTrue();
        for (String bad : new String[] {"POST / HTTP/1.1\r\nContent-Length: 05\r\n\r\nhello",
            "POST / HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\nhello",
            "POST / HTTP/1.1\r\nContent-Length: 5, 5\r\n\r\nhello", "POST / HTTP/1.1\nContent-Length: 5\n\nhello",
            "POST / HTTP/1.0\r\nContent-Length: 5\r\n\r\nhello",
            "POST / HTTP/1.1\r\nTransfer-Encoding: Chunked\r\n\r\n5;a\r\nhello\r\n0\r\n\r\n"}) {
            assertThat(read(bad, Mode.FORWARDED).refusal()).as(bad).isNotNull();
        }
    }
}
