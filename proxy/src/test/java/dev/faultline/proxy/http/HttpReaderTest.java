package dev.faultline.proxy.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import java.util.stream.Stream;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The HTTP/1.x reader on its own: framing, limits, strictness, pausing, and bytes arriving in any split. */
class HttpReaderTest {
    /** What a reader delivered, as text: "H <method> <uri>" or "S <status>", "B <body>" per message, "E <error>". */
    static final class Recorder implements HttpReader.Sink {
        final List<String> events = new ArrayList<>();
        final List<Head> heads = new ArrayList<>();
        private StringBuilder body;
        HttpReader reader;
        boolean pauseAfterEach;
        int bodyStatus;

        @Override
        public void head(Head head) {
            heads.add(head);
            if (head.error != 0) {
                events.add("E " + head.error + " " + head.errorMessage);
                return;
            }
            events.add(head.method.isEmpty() ? "S " + head.status : "H " + head.method + " " + head.uri);
            body = new StringBuilder();
        }

        @Override
        public void content(ByteBuf data, boolean last) {
            body.append(data.toString(StandardCharsets.ISO_8859_1));
            data.release();
            if (last) {
                events.add("B " + body);
                if (pauseAfterEach) {
                    reader.pause();
                }
            }
        }

        @Override
        public void bodyError(int status, String message) {
            bodyStatus = status;
            events.add("X " + message);
        }
    }

    private static Recorder read(boolean requests, String bytes, int split) {
        Recorder r = new Recorder();
        HttpReader reader = new HttpReader(requests, 1024, ByteBufAllocator.DEFAULT, r);
        r.reader = reader;
        byte[] all = bytes.getBytes(StandardCharsets.ISO_8859_1);
        for (int i = 0; i < all.length; i += split) {
            reader.feed(Unpooled.copiedBuffer(all, i, Math.min(split, all.length - i)));
        }
        return r;
    }

    /** The same bytes fed whole, one byte at a time and in 7-byte pieces give the same events. */
    private static List<String> requests(String bytes) {
        List<String> whole = read(true, bytes, Integer.MAX_VALUE).events;
        assertThat(read(true, bytes, 1).events).as("fed byte by byte").isEqualTo(whole);
        assertThat(read(true, bytes, 7).events).as("fed in 7-byte pieces").isEqualTo(whole);
        return whole;
    }

    private static List<String> responses(String bytes) {
        List<String> whole = read(false, bytes, Integer.MAX_VALUE).events;
        assertThat(read(false, bytes, 1).events).as("fed byte by byte").isEqualTo(whole);
        return whole;
    }

    @Test
    void readsHeadsFieldsAndBodiesFramedEveryWay() {
        List<String> events = requests("GET /a?b=1 HTTP/1.1\r\nHost: x\r\nX-Two:  spaced value \t\r\n\r\n"
                + "POST /p HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello"
                + "PUT /c HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
                + "3;ext=1\r\nabc\r\n10\r\n0123456789abcdef\r\n0\r\nTrailer-Field: t\r\n\r\n"
                + "\r\nDELETE * HTTP/1.0\r\n\r\n");
        assertThat(events).containsExactly("H GET /a?b=1", "B ", "H POST /p", "B hello", "H PUT /c",
                "B abc0123456789abcdef", "H DELETE *", "B ");
        Head first = read(true, "GET / HTTP/1.1\r\nHost: x\r\nX-Two:  spaced value \t\r\n\r\n", 1000).heads.get(0);
        assertThat(first.get("x-two")).isEqualTo("spaced value");
        assertThat(first.get("host")).isEqualTo("x");
        assertThat(first.http10).isFalse();
        assertThat(first.bareLf).isFalse();
    }

    @Test
    void bareLineFeedsAreAcceptedAndMarked() {
        Recorder r = read(true, "GET / HTTP/1.1\nHost: x\n\n", 1000);
        assertThat(r.events).containsExactly("H GET /", "B ");
        assertThat(r.heads.get(0).bareLf).isTrue();
    }

    static Stream<Arguments> malformed() {
        return Stream.of(
                Arguments.of("GET / HTTP/1.1\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n", 400, "both Content-Length and Transfer-Encoding"),
                Arguments.of("GET / HTTP/1.1\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\n", 400, "conflicting Content-Length fields"),
                Arguments.of("GET / HTTP/1.1\r\nContent-Length: 3x\r\n\r\n", 400, "Content-Length is not a number"),
                Arguments.of("GET / HTTP/1.1\r\nContent-Length: -1\r\n\r\n", 400, "Content-Length is not a number"),
                Arguments.of("GET / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n", 400, "unsupported Transfer-Encoding"),
                Arguments.of("GET / HTTP/1.1\r\nTransfer-Encoding: chunked, chunked\r\n\r\n", 400, "unsupported Transfer-Encoding"),
                Arguments.of("GET / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", 400, "Transfer-Encoding in an HTTP/1.0 request"),
                Arguments.of("GET / HTTP/1.1\r\nX-A: a\r\n folded\r\n\r\n", 400, "obsolete line folding is not accepted"),
                Arguments.of("GET / HTTP/1.1\r\nX-A : a\r\n\r\n", 400, "malformed header field name"),
                Arguments.of("GET / HTTP/1.1\r\nX-A: a\u0001b\r\n\r\n", 400, "control character in a header field"),
                Arguments.of("GET / HTTP/1.1\r\nno colon\r\n\r\n", 400, "malformed header field name"),
                Arguments.of("GET  HTTP/1.1\r\n\r\n", 400, "malformed request line"),
                Arguments.of("GET /\u0001 HTTP/1.1\r\n\r\n", 400, "malformed request target"),
                Arguments.of("GET / HTTP/1.x\r\n\r\n", 400, "malformed request line"),
                Arguments.of("PRI * HTTP/2.0\r\n\r\n", 505, "HTTP version 2.0 is not supported (HTTP/1.1 only)"),
                Arguments.of("G@T / HTTP/1.1\r\n\r\n", 400, "malformed request line"));
    }

    @ParameterizedTest
    @MethodSource("malformed")
    void refusesWhatCouldBeReadTwoWays(String request, int status, String message) {
        List<String> events = requests(request + "GET /after HTTP/1.1\r\n\r\n");
        assertThat(events).containsExactly("E " + status + " " + message); // nothing is read after it
    }

    @Test
    void limitsTheStartLineAndTheHeaderBlock() {
        assertThat(requests("GET /" + "a".repeat(9000) + " HTTP/1.1\r\n\r\n"))
                .containsExactly("E 414 request line is longer than 8192 bytes");
        assertThat(requests("GET /" + "a".repeat(9000))) // no line end at all
                .containsExactly("E 414 request line is longer than 8192 bytes");
        assertThat(requests("GET / HTTP/1.1\r\nX-Big: " + "b".repeat(1100) + "\r\n\r\n"))
                .containsExactly("E 431 request header block is larger than 1024 bytes");
        assertThat(requests("GET / HTTP/1.1\r\n" + "X-Many: m\r\n".repeat(100)))
                .containsExactly("E 431 request header block is larger than 1024 bytes");
        assertThat(requests("GET / HTTP/1.1\r\nX-Fits: " + "f".repeat(1000) + "\r\n\r\n"))
                .containsExactly("H GET /", "B ");
    }

    @Test
    void malformedChunksEndTheStream() {
        assertThat(requests("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"))
                .containsExactly("H POST /", "X malformed chunk size");
        assertThat(requests("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabcX"))
                .containsExactly("H POST /", "X malformed chunked body (no CRLF after a chunk)");
        assertThat(requests("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n" + "f".repeat(16) + "\r\n"))
                .containsExactly("H POST /", "X chunk size is too large");
    }

    @Test
    void aPausedReaderKeepsThePipelinedRequestUntilResumed() {
        Recorder r = new Recorder();
        r.pauseAfterEach = true;
        HttpReader reader = new HttpReader(true, 1024, ByteBufAllocator.DEFAULT, r);
        r.reader = reader;
        reader.feed(Unpooled.copiedBuffer("GET /1 HTTP/1.1\r\n\r\nGET /2 HTTP/1.1\r\n\r\nGET /3", StandardCharsets.US_ASCII));
        assertThat(r.events).containsExactly("H GET /1", "B ");
        assertThat(reader.hasBuffered()).isTrue();
        reader.resume();
        assertThat(r.events).containsExactly("H GET /1", "B ", "H GET /2", "B ");
        reader.resume();
        assertThat(r.events).hasSize(4); // /3 is not complete
        reader.feed(Unpooled.copiedBuffer(" HTTP/1.1\r\n\r\n", StandardCharsets.US_ASCII));
        assertThat(r.events).containsExactly("H GET /1", "B ", "H GET /2", "B ", "H GET /3", "B ");
        reader.release();
    }

    @Test
    void responsesAreFramedByRequestMethodStatusLengthChunksOrClose() {
        assertThat(responses("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")).containsExactly("S 200", "B ok");
        assertThat(responses("HTTP/1.1 204 No Content\r\n\r\nHTTP/1.1 304 Not Modified\r\nContent-Length: 9\r\n\r\n"))
                .containsExactly("S 204", "B ", "S 304", "B ");
        assertThat(responses("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nx"))
                .containsExactly("S 100", "B ", "S 200", "B x");
        assertThat(responses("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 99\r\n\r\n2\r\nab\r\n0\r\n\r\n"))
                .containsExactly("S 200", "B ab");
        assertThat(responses("HTTP/1.1 500 \r\nContent-Length: 0\r\n\r\n")).containsExactly("S 500", "B ");
        assertThat(responses("HTTP/1.1 200\r\nContent-Length: 0\r\n\r\n")).containsExactly("S 200", "B ");
        assertThat(responses("HTTP/1.1 2x0 OK\r\n\r\n")).containsExactly("E 502 malformed upstream answer: malformed status line");
        assertThat(responses("HTTP/1.1 101 Switching Protocols\r\n\r\n"))
                .containsExactly("E 502 malformed upstream answer: status 101 cannot be relayed");

        Recorder head = new Recorder();
        HttpReader reader = new HttpReader(false, 1024, ByteBufAllocator.DEFAULT, head);
        reader.expectBodyless(true);
        reader.feed(Unpooled.copiedBuffer("HTTP/1.1 200 OK\r\nContent-Length: 50\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\ny",
                StandardCharsets.US_ASCII));
        assertThat(head.events).containsExactly("S 200", "B ", "S 200", "B y"); // only the first answered a HEAD

        Recorder closed = new Recorder();
        HttpReader untilClose = new HttpReader(false, 1024, ByteBufAllocator.DEFAULT, closed);
        untilClose.feed(Unpooled.copiedBuffer("HTTP/1.0 200 OK\r\n\r\nuntil the end", StandardCharsets.US_ASCII));
        assertThat(closed.events).containsExactly("S 200");
        assertThat(closed.heads.get(0).closeDelimited).isTrue();
        assertThat(untilClose.inputClosed()).isTrue();
        assertThat(closed.events).containsExactly("S 200", "B until the end");
    }

    @Test
    void connectionTokensAreRecorded() {
        Head h = read(true, "GET / HTTP/1.0\r\nConnection: Keep-Alive, X-Secret\r\nConnection: close\r\n\r\n", 100).heads.get(0);
        assertThat(h.http10).isTrue();
        assertThat(h.connectionKeepAlive).isTrue();
        assertThat(h.connectionClose).isTrue();
        assertThat(h.connectionTokens).isEqualTo("X-Secret");
    }

    private static final String CHUNKED_POST = "POST /c HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n";
    private static final String SMUGGLED = "0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n";

    static Stream<Arguments> transferCodings() {
        return Stream.of(
                Arguments.of("Transfer-Encoding: gzip, chunked\r\n", "E 501 transfer coding gzip is not implemented (only chunked)"),
                Arguments.of("Transfer-Encoding: identity, chunked\r\n", "E 501 transfer coding identity is not implemented (only chunked)"),
                Arguments.of("Transfer-Encoding: x\r\nTransfer-Encoding: chunked\r\n", "E 501 transfer coding x is not implemented (only chunked)"),
                Arguments.of("Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n", "E 400 unsupported Transfer-Encoding"),
                Arguments.of("Transfer-Encoding: chunked\r\nTransfer-Encoding: gzip\r\n", "E 400 unsupported Transfer-Encoding"),
                Arguments.of("Transfer-Encoding: chunked;x=1\r\n", "E 400 unsupported Transfer-Encoding"),
                Arguments.of("Transfer-Encoding: \"chunked\"\r\n", "E 400 unsupported Transfer-Encoding"),
                Arguments.of("Transfer-Encoding: ,\r\n", "E 400 unsupported Transfer-Encoding"));
    }

    @ParameterizedTest
    @MethodSource("transferCodings")
    void onlyASingleChunkedCodingIsAcceptedAcrossAllTransferEncodingLines(String fields, String event) {
        assertThat(requests("POST /te HTTP/1.1\r\nHost: x\r\n" + fields + "\r\n" + SMUGGLED)).containsExactly(event);
    }

    @Test
    void aChunkedListWithEmptyElementsIsStillOneChunked() {
        assertThat(requests("POST /te HTTP/1.1\r\nTransfer-Encoding: , Chunked ,\r\n\r\n" + SMUGGLED))
                .containsExactly("H POST /te", "B ", "H GET /smuggled", "B "); // read as the RFC reads it
    }

    @Test
    void chunkSizesAreStrictHexWithTheGrammarsExtensionsOnly() {
        for (String bad : new String[] {"0x5", "5x", "+5", " 5", "5 ", "5;", "5;a=", "5;a b", "5;a=\"open", "5; a=b "}) {
            assertThat(requests(CHUNKED_POST + bad + "\r\nhello\r\n0\r\n\r\n")).as(bad).hasSize(2)
                    .startsWith("H POST /c").last().asString().matches("X malformed chunk (size|extension)");
        }
        assertThat(requests(CHUNKED_POST + "5\nhello\r\n0\r\n\r\n"))
                .containsExactly("H POST /c", "X chunk line does not end with CRLF");
        assertThat(requests(CHUNKED_POST + "5\r\nhello\n0\r\n\r\n"))
                .containsExactly("H POST /c", "X malformed chunked body (no CRLF after a chunk)");
        assertThat(requests(CHUNKED_POST + "A;name\r\n0123456789\r\n00005 ; a = b;c=\"q \\\" ;d\";e=f\r\nhello\r\n0\r\n\r\n"
                + "GET /next HTTP/1.1\r\n\r\n"))
                .containsExactly("H POST /c", "B 0123456789hello", "H GET /next", "B ");
    }

    @Test
    void trailersAreFieldLinesOrTheBodyIsRefused() {
        assertThat(requests(CHUNKED_POST + "0\r\nGET /hidden HTTP/1.1\r\nHost: x\r\n\r\n"))
                .containsExactly("H POST /c", "X malformed trailer section: malformed header field name");
        assertThat(requests(CHUNKED_POST + "0\r\nX-A: a\r\n folded\r\n\r\n"))
                .containsExactly("H POST /c", "X malformed trailer section: obsolete line folding is not accepted");
        assertThat(requests(CHUNKED_POST + "0\r\nX-A: a\nX-B: b\r\n\r\n"))
                .containsExactly("H POST /c", "X chunk line does not end with CRLF");
        assertThat(requests(CHUNKED_POST + "1\r\nx\r\n0\r\nX-A: a\r\nX-B:\tb \r\n\r\nGET /next HTTP/1.1\r\n\r\n"))
                .containsExactly("H POST /c", "B x", "H GET /next", "B ");
    }

    /** What the proxy would send upstream as field lines for the request's head. */
    private static String forwardedFields(String head) {
        Recorder r = read(true, head, 1000);
        HeadBuilder out = HeadBuilder.get();
        Headers.writeRequestFields(r.heads.get(0), out);
        ByteBuf b = out.toBuffer(ByteBufAllocator.DEFAULT, 0);
        try {
            return b.toString(StandardCharsets.ISO_8859_1);
        } finally {
            b.release();
        }
    }

    @Test
    void equalContentLengthsBecomeOneCanonicalFieldAndDifferingOnesAreRefused() {
        assertThat(requests("POST /l HTTP/1.1\r\nContent-Length: 10\r\nContent-Length: 010\r\n\r\n0123456789"))
                .containsExactly("H POST /l", "B 0123456789");
        assertThat(forwardedFields("POST /l HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\nX-A: a\r\nContent-Length: 010\r\n\r\n"))
                .isEqualTo("Host: x\r\nX-A: a\r\nContent-Length: 10\r\n");
        assertThat(forwardedFields("POST /l HTTP/1.1\r\nContent-Length: 5, 5\r\n\r\n")).isEqualTo("Content-Length: 5\r\n");
        assertThat(forwardedFields("POST /l HTTP/1.1\r\nContent-Length: 007\r\n\r\n")).isEqualTo("Content-Length: 7\r\n");
        assertThat(forwardedFields("POST /l HTTP/1.1\r\nContent-Length:  5 \r\nX-A: a\r\n\r\n"))
                .isEqualTo("Content-Length:  5 \r\nX-A: a\r\n"); // canonical already: as received
        assertThat(requests("POST /l HTTP/1.1\r\nContent-Length: 5, 6\r\n\r\nhello"))
                .containsExactly("E 400 conflicting Content-Length fields");
        assertThat(requests("POST /l HTTP/1.1\r\nContent-Length: 5,,5\r\n\r\nhello"))
                .containsExactly("E 400 Content-Length is not a number");
    }

    @Test
    void aChunkOverTheBodyLimitIsRefusedWith413AtItsSizeLine() {
        for (int split : new int[] {Integer.MAX_VALUE, 1}) {
            for (String body : new String[] {"65\r\nabc", "32\r\n" + "a".repeat(50) + "\r\n33\r\n", "fffffffffffffffffff\r\n"}) {
                Recorder r = new Recorder();
                HttpReader reader = new HttpReader(true, 1024, 100, ByteBufAllocator.DEFAULT, r);
                r.reader = reader;
                byte[] all = (CHUNKED_POST + body).getBytes(StandardCharsets.ISO_8859_1);
                for (int i = 0; i < all.length; i += split) {
                    reader.feed(Unpooled.copiedBuffer(all, i, Math.min(split, all.length - i)));
                }
                assertThat(r.events).as(body).containsExactly("H POST /c", "X request body is larger than 100 bytes");
                assertThat(r.bodyStatus).isEqualTo(413);
            }
        }
        Recorder fits = new Recorder();
        HttpReader reader = new HttpReader(true, 1024, 100, ByteBufAllocator.DEFAULT, fits);
        reader.feed(Unpooled.copiedBuffer(CHUNKED_POST + "64\r\n" + "a".repeat(100) + "\r\n0\r\n\r\n"
                + CHUNKED_POST + "64\r\n", StandardCharsets.ISO_8859_1));
        assertThat(fits.events).containsExactly("H POST /c", "B " + "a".repeat(100), "H POST /c"); // per message
    }

    @Test
    void emptyLinesBeforeARequestAreSkippedButABareCrIsRefused() {
        assertThat(requests("\r\n\n\r\nGET / HTTP/1.1\r\n\r\n")).containsExactly("H GET /", "B ");
        assertThat(requests("\rGET / HTTP/1.1\r\n\r\n")).containsExactly("E 400 bare CR before a request");
        assertThat(requests("\r\n\r\rGET / HTTP/1.1\r\n\r\n")).containsExactly("E 400 bare CR before a request");
        assertThat(requests("GET /1 HTTP/1.1\r\n\r\n\r\rGET /2 HTTP/1.1\r\n\r\n"))
                .containsExactly("H GET /1", "B ", "E 400 bare CR before a request");
    }
}
