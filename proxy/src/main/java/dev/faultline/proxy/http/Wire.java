package dev.faultline.proxy.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.context.propagation.TextMapSetter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The bytes the request path writes itself: fixed lines and field names, chunk framing, request and span ids, and
 * the trace fields of every propagation format for a plain context (what OpenTelemetry's propagators would write),
 * plus the carrier adapters for when the propagators are used.
 */
final class Wire {
    static final byte[] X_REQUEST_ID = ascii("X-Request-Id: ");
    static final byte[] X_FORWARDED_FOR = ascii("X-Forwarded-For: ");
    static final byte[] TRACEPARENT = ascii("traceparent: 00-");
    static final byte[] B3 = ascii("b3: ");
    static final byte[] UBER_TRACE_ID = ascii("uber-trace-id: ");
    static final byte[] X_FORWARDED_PROTO_HTTP = ascii("X-Forwarded-Proto: http\r\n");
    static final byte[] CHUNKED = ascii("Transfer-Encoding: chunked\r\n");
    static final byte[] CONNECTION_CLOSE = ascii("Connection: close\r\n");
    static final byte[] CONNECTION_KEEP_ALIVE = ascii("Connection: keep-alive\r\n");
    static final byte[] HTTP_1_1 = ascii(" HTTP/1.1\r\n");
    static final byte[] HTTP_1_1_SP = ascii("HTTP/1.1 ");
    static final byte[] HTTP_1_0_SP = ascii("HTTP/1.0 ");
    static final byte[] CRLF = ascii("\r\n");
    static final byte[] LAST_CHUNK = ascii("0\r\n\r\n");
    static final byte[] CRLF_LAST_CHUNK = ascii("\r\n0\r\n\r\n");
    static final ByteBuf CONTINUE = Unpooled.unreleasableBuffer(Unpooled.wrappedBuffer(
            ascii("HTTP/1.1 100 Continue\r\n\r\n")));
    static final TextMapGetter<Head> GETTER = new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(Head carrier) {
            List<String> names = new ArrayList<>(carrier.size());
            for (int i = 0; i < carrier.size(); i++) {
                names.add(carrier.name(i));
            }
            return names;
        }

        @Override
        public String get(Head carrier, String key) {
            return carrier == null ? null : carrier.get(key.toLowerCase(java.util.Locale.ROOT));
        }
    };
    /** Injected trace fields become field lines of the request head being written. */
    static final TextMapSetter<HeadBuilder> SETTER = HeadBuilder::field;

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    /** The trace fields of every format for a context of ids and a sampled flag only (what the propagators write). */
    static void writeTraceFields(String traceId, String spanId, boolean isSampled, HeadBuilder out) {
        char sampled = isSampled ? '1' : '0';
        out.bytes(TRACEPARENT);
        int ids = out.length(); // trace id, '-', span id: written once, copied for the other two formats
        out.ascii(traceId).ch('-').ascii(spanId).ch('-').ch('0').ch(sampled).crlf();
        out.bytes(B3).copy(ids, 32 + 1 + 16).ch('-').ch(sampled).crlf();
        out.bytes(UBER_TRACE_ID).copy(ids, 32).ch(':').copy(ids + 33, 16).ch(':').ch('0').ch(':').ch(sampled).crlf();
    }

    static byte[] chunkSizeLine(int n) {
        String hex = Integer.toHexString(n);
        byte[] line = new byte[hex.length() + 2];
        for (int i = 0; i < hex.length(); i++) {
            line[i] = (byte) hex.charAt(i);
        }
        line[hex.length()] = '\r';
        line[hex.length() + 1] = '\n';
        return line;
    }

    /** One chunk of a chunked body ({@code data} released); the last one adds the zero-length chunk. */
    static void writeChunk(Endpoint to, ByteBuf data, boolean last) {
        int n = data.readableBytes();
        if (n > 0) {
            to.write(Unpooled.wrappedBuffer(chunkSizeLine(n)));
            to.write(data);
            to.write(Unpooled.wrappedBuffer(last ? CRLF_LAST_CHUNK : CRLF));
        } else {
            data.release();
            if (last) {
                to.write(Unpooled.wrappedBuffer(LAST_CHUNK));
            }
        }
    }

    /**
     * Whether any of the headers a span context is read from is there (W3C, B3 single and multi, Jaeger); without
     * them every propagator finds nothing, so the (costly: Jaeger's lists every header name) extraction is skipped.
     */
    static boolean carriesTraceContext(Head h) {
        for (int i = 0; i < h.size(); i++) {
            int n = h.nameLength(i);
            if (n == 11 && h.nameIs(i, "traceparent") || n == 2 && h.nameIs(i, "b3")
                    || n == 12 && h.nameIs(i, "x-b3-traceid") || n == 13 && h.nameIs(i, "uber-trace-id")) {
                return true;
            }
        }
        return false;
    }

    static final byte[] HEX = ascii("0123456789abcdef");

    /** 32 random lowercase hexadecimal digits, not all zero (a request id, or a new trace id). */
    static String newId() {
        ThreadLocalRandom r = ThreadLocalRandom.current();
        long a;
        long b;
        do {
            a = r.nextLong();
            b = r.nextLong();
        } while (a == 0 && b == 0);
        byte[] id = new byte[32];
        hex(a, id, 0);
        hex(b, id, 16);
        return new String(id, StandardCharsets.ISO_8859_1);
    }

    /** A random span id: 16 lowercase hexadecimal digits, not all zero. */
    static String newSpanId() {
        long v;
        do {
            v = ThreadLocalRandom.current().nextLong();
        } while (v == 0);
        byte[] id = new byte[16];
        hex(v, id, 0);
        return new String(id, StandardCharsets.ISO_8859_1);
    }

    static void hex(long v, byte[] into, int at) {
        for (int i = 15; i >= 0; i--) {
            into[at + i] = HEX[(int) v & 15];
            v >>>= 4;
        }
    }

    private Wire() {
    }
}
