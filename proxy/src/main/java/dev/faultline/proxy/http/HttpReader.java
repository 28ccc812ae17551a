package dev.faultline.proxy.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * An HTTP/1.x message reader for one connection, fed the bytes as they are read: heads become {@link Head}s (field
 * lines kept as bytes), bodies are handed on as slices of what was read, whether framed by Content-Length, chunked
 * (decoded) or, for responses, ended by the connection's close. Strict where framing is at stake: a request with
 * both Content-Length and Transfer-Encoding, conflicting lengths, a transfer coding other than chunked last,
 * obsolete line folding or control characters is malformed, and after a malformed message the reader reads
 * nothing more. Limits: the start line (8 KiB), the header block (configured), a chunk-size line (4 KiB).
 *
 * <p>Every method runs on the connection's event loop. The sink may call {@link #pause()} and {@link #resume()} from
 * inside its callbacks; a pause takes effect at the next message's head (the bytes after it stay buffered).
 */
final class HttpReader {
    /** What the reader delivers. */
    interface Sink {
        /** A head; when {@code head.error} is set the reader stops there and reads nothing more. */
        void head(Head head);

        /** A piece of the body (released by the sink), the last one ending the message (it may be empty). */
        void content(ByteBuf data, boolean last);

        /** The body cannot be framed (e.g. a malformed chunk): the message is cut short; nothing more is read. */
        void bodyError(String message);
    }

    static final int MAX_LINE = 8192;
    private static final int MAX_CHUNK_LINE = 4096;
    private static final int HEAD = 0;
    private static final int FIXED = 1;
    private static final int CHUNK_SIZE = 2;
    private static final int CHUNK_DATA = 3;
    private static final int CHUNK_END = 4;
    private static final int TRAILERS = 5;
    private static final int CLOSE_DELIMITED = 6;
    private static final int BROKEN = 7;
    private static final boolean[] TCHAR = new boolean[128];

    static {
        for (char c = '0'; c <= '9'; c++) {
            TCHAR[c] = true;
        }
        for (char c = 'a'; c <= 'z'; c++) {
            TCHAR[c] = true;
            TCHAR[c - 32] = true;
        }
        for (char c : "!#$%&'*+-.^_`|~".toCharArray()) {
            TCHAR[c] = true;
        }
    }

    private final boolean requests;
    private final int maxHeaderBytes;
    private final ByteBufAllocator alloc;
    private final Sink sink;
    private ByteBuf cum;
    private int state = HEAD;
    private long remaining;
    /** Where the next line of a partial head (or of trailers) starts, relative to the reader index. */
    private int scan;
    /** Length of a partial head's start line including its LF, or -1 while it is not complete. */
    private int firstLine = -1;
    private boolean paused;
    private boolean parsing;
    private boolean again;
    private boolean released;
    /** Responses: the next one answers a HEAD request (no body whatever its fields say). */
    private boolean nextBodyless;

    HttpReader(boolean requests, int maxHeaderBytes, ByteBufAllocator alloc, Sink sink) {
        this.requests = requests;
        this.maxHeaderBytes = maxHeaderBytes;
        this.alloc = alloc;
        this.sink = sink;
    }

    /** Takes {@code in} (released here) and delivers what it completes. */
    void feed(ByteBuf in) {
        if (released || state == BROKEN) {
            in.release();
            return;
        }
        if (cum == null) {
            cum = in;
        } else {
            cum = merge(cum, in);
        }
        parse();
    }

    /** Responses: whether the next answer is to a HEAD request. */
    void expectBodyless(boolean bodyless) {
        nextBodyless = bodyless;
    }

    /** No new message is read until {@link #resume()}; the current one's body still is. */
    void pause() {
        paused = true;
    }

    void resume() {
        if (paused) {
            paused = false;
            if (cum != null) {
                parse();
            }
        }
    }

    boolean paused() {
        return paused;
    }

    /** Bytes read but not yet delivered. */
    boolean hasBuffered() {
        return cum != null && cum.isReadable();
    }

    /** Between messages (nothing of one read yet). */
    boolean idle() {
        return state == HEAD && !hasBuffered();
    }

    /**
     * The connection's input ended. A close-delimited body ends here (delivered as its last piece, and true);
     * anything else under way was cut short (false).
     */
    boolean inputClosed() {
        if (released) {
            return false;
        }
        if (state == CLOSE_DELIMITED) {
            state = BROKEN;
            sink.content(Unpooled.EMPTY_BUFFER, true);
            return true;
        }
        return false;
    }

    void release() {
        released = true;
        if (cum != null) {
            cum.release();
            cum = null;
        }
    }

    private ByteBuf merge(ByteBuf old, ByteBuf in) {
        int needed = old.readableBytes() + in.readableBytes();
        if (old.refCnt() == 1 && !old.isReadOnly() && old.maxWritableBytes() >= in.readableBytes()
                && old.writableBytes() >= in.readableBytes()) {
            old.writeBytes(in);
            in.release();
            return old;
        }
        ByteBuf merged = alloc.buffer(needed);
        merged.writeBytes(old).writeBytes(in);
        old.release();
        in.release();
        return merged;
    }

    private void parse() {
        if (parsing) {
            again = true;
            return;
        }
        parsing = true;
        try {
            do {
                again = false;
                loop();
            } while (again && !released);
        } finally {
            parsing = false;
        }
        if (cum != null && !cum.isReadable()) {
            cum.release();
            cum = null;
        }
    }

    private void loop() {
        while (!released && cum != null) {
            switch (state) {
                case HEAD -> {
                    if (paused || !skipEmptyLines() || !readHead()) {
                        return;
                    }
                }
                case FIXED, CHUNK_DATA -> {
                    int n = cum.readableBytes();
                    if (n == 0) {
                        return;
                    }
                    int take = (int) Math.min(n, remaining);
                    ByteBuf data = cum.readRetainedSlice(take);
                    remaining -= take;
                    boolean last = false;
                    if (remaining == 0) {
                        if (state == FIXED) {
                            state = HEAD;
                            last = true;
                        } else {
                            state = CHUNK_END;
                        }
                    }
                    sink.content(data, last);
                }
                case CHUNK_SIZE -> {
                    if (!readChunkSize()) {
                        return;
                    }
                }
                case CHUNK_END -> {
                    if (!readChunkEnd()) {
                        return;
                    }
                }
                case TRAILERS -> {
                    if (!readTrailers()) {
                        return;
                    }
                }
                case CLOSE_DELIMITED -> {
                    int n = cum.readableBytes();
                    if (n == 0) {
                        return;
                    }
                    sink.content(cum.readRetainedSlice(n), false);
                }
                default -> {
                    cum.skipBytes(cum.readableBytes());
                    return;
                }
            }
        }
    }

    /** Empty lines before a message are ignored (RFC 9112 §2.2). False when nothing else is there yet. */
    private boolean skipEmptyLines() {
        if (scan > 0) {
            return true; // inside a partial head
        }
        int i = cum.readerIndex();
        int end = cum.writerIndex();
        while (i < end) {
            byte b = cum.getByte(i);
            if (b != '\r' && b != '\n') {
                break;
            }
            i++;
        }
        cum.readerIndex(i);
        return i < end;
    }

    private boolean readHead() {
        int start = cum.readerIndex();
        int end = cum.writerIndex();
        int limit = MAX_LINE + maxHeaderBytes + 4;
        int rel = scan;
        while (true) {
            int from = start + rel;
            int searchEnd = Math.min(end, start + limit);
            int lf = from >= searchEnd ? -1 : cum.indexOf(from, searchEnd, (byte) '\n');
            if (lf < 0) {
                if (firstLine < 0 && end - start > MAX_LINE) {
                    return headError(414, "request line is longer than " + MAX_LINE + " bytes");
                }
                if (firstLine >= 0 && end - start - firstLine > maxHeaderBytes || end - start >= limit) {
                    return headError(431, "request header block is larger than " + maxHeaderBytes + " bytes");
                }
                scan = rel;
                return false;
            }
            int lineEnd = lf > from && cum.getByte(lf - 1) == '\r' ? lf - 1 : lf;
            int next = lf + 1 - start;
            if (firstLine < 0) {
                if (next - 1 > MAX_LINE) {
                    return headError(414, "request line is longer than " + MAX_LINE + " bytes");
                }
                firstLine = next;
            } else if (next - firstLine > maxHeaderBytes + 2) {
                return headError(431, "request header block is larger than " + maxHeaderBytes + " bytes");
            } else if (lineEnd == from) {
                byte[] bytes = new byte[from - start];
                cum.getBytes(start, bytes);
                cum.readerIndex(start + next);
                int first = firstLine;
                scan = 0;
                firstLine = -1;
                deliverHead(parseHead(bytes, first));
                return true;
            }
            rel = next;
        }
    }

    private boolean headError(int status, String message) {
        scan = 0;
        firstLine = -1;
        if (!requests) {
            status = 502;
            message = "upstream answer head too large";
        }
        deliverHead(Head.malformed(status, message));
        return false;
    }

    private void deliverHead(Head h) {
        if (h.error != 0) {
            state = BROKEN;
            cum.skipBytes(cum.readableBytes());
            sink.head(h);
            return;
        }
        boolean body;
        if (requests) {
            if (h.chunked) {
                state = CHUNK_SIZE;
                body = true;
            } else if (h.contentLength > 0) {
                state = FIXED;
                remaining = h.contentLength;
                body = true;
            } else {
                body = false;
            }
        } else {
            boolean interim = h.status < 200;
            if (nextBodyless || interim || h.status == 204 || h.status == 304) {
                body = false;
            } else if (h.chunked) {
                state = CHUNK_SIZE;
                body = true;
            } else if (h.contentLength > 0) {
                state = FIXED;
                remaining = h.contentLength;
                body = true;
            } else if (h.contentLength == 0) {
                body = false;
            } else {
                h.closeDelimited = true;
                state = CLOSE_DELIMITED;
                body = true;
            }
            if (!interim) {
                nextBodyless = false;
            }
        }
        if (!body) {
            state = HEAD;
        }
        sink.head(h);
        if (!body && !released) {
            sink.content(Unpooled.EMPTY_BUFFER, true);
        }
    }

    private boolean readChunkSize() {
        int start = cum.readerIndex();
        int end = cum.writerIndex();
        int lf = cum.indexOf(start, Math.min(end, start + MAX_CHUNK_LINE), (byte) '\n');
        if (lf < 0) {
            if (end - start >= MAX_CHUNK_LINE) {
                bodyError("chunk-size line is longer than " + MAX_CHUNK_LINE + " bytes");
            }
            return false;
        }
        long size = 0;
        int digits = 0;
        int i = start;
        for (; i < lf; i++) {
            int d = Character.digit((char) cum.getByte(i), 16);
            if (d < 0) {
                break;
            }
            if (++digits > 15) {
                bodyError("chunk size is too large");
                return false;
            }
            size = size * 16 + d;
        }
        if (digits == 0) {
            bodyError("malformed chunk size");
            return false;
        }
        for (; i < lf; i++) { // chunk extensions are ignored, but must not hold control characters
            byte b = cum.getByte(i);
            if (b == '\r' && i == lf - 1) {
                break;
            }
            if (b != '\t' && (b < 0x20 || b == 0x7f)) {
                bodyError("malformed chunk extension");
                return false;
            }
        }
        cum.readerIndex(lf + 1);
        if (size == 0) {
            state = TRAILERS;
            scan = 0;
        } else {
            state = CHUNK_DATA;
            remaining = size;
        }
        return true;
    }

    /** The CRLF (or bare LF) after a chunk's data. */
    private boolean readChunkEnd() {
        int n = cum.readableBytes();
        if (n == 0) {
            return false;
        }
        byte b = cum.getByte(cum.readerIndex());
        int eol = b == '\n' ? 1 : b == '\r' && n >= 2 && cum.getByte(cum.readerIndex() + 1) == '\n' ? 2 : 0;
        if (eol == 0) {
            if (b != '\r' || n >= 2) {
                bodyError("malformed chunked body (no CRLF after a chunk)");
            }
            return false;
        }
        cum.skipBytes(eol);
        state = CHUNK_SIZE;
        return true;
    }

    /** Trailer fields are read, bounded like a header block, and dropped. */
    private boolean readTrailers() {
        int start = cum.readerIndex();
        int end = cum.writerIndex();
        while (true) {
            int from = start + scan;
            int lf = from >= end ? -1 : cum.indexOf(from, end, (byte) '\n');
            if (lf < 0) {
                if (end - start > maxHeaderBytes) {
                    bodyError("trailer block is larger than " + maxHeaderBytes + " bytes");
                }
                return false;
            }
            int lineEnd = lf > from && cum.getByte(lf - 1) == '\r' ? lf - 1 : lf;
            scan = lf + 1 - start;
            if (scan > maxHeaderBytes + 2) {
                bodyError("trailer block is larger than " + maxHeaderBytes + " bytes");
                return false;
            }
            if (lineEnd == from) {
                cum.readerIndex(lf + 1);
                scan = 0;
                state = HEAD;
                sink.content(Unpooled.EMPTY_BUFFER, true);
                return true;
            }
        }
    }

    /** A body that cannot be framed: the message and the connection are over. */
    private void bodyError(String message) {
        state = BROKEN;
        scan = 0;
        cum.skipBytes(cum.readableBytes());
        sink.bodyError(message);
    }

    // ---- parsing a complete head ----

    private Head parseHead(byte[] b, int firstLine) {
        Head h = new Head(b);
        int lineEnd = firstLine - 1;
        if (lineEnd > 0 && b[lineEnd - 1] == '\r') {
            lineEnd--;
        }
        String err = requests ? requestLine(h, b, lineEnd) : statusLine(h, b, lineEnd);
        if (err != null) {
            return requests && h.error != 0 ? h : fail(h, err);
        }
        int i = firstLine;
        while (i < b.length) {
            int lf = i;
            while (lf < b.length && b[lf] != '\n') {
                lf++;
            }
            int end = lf > i && b[lf - 1] == '\r' ? lf - 1 : lf;
            if (end == lf) {
                h.bareLf = true;
            }
            err = field(h, b, i, end, Math.min(lf + 1, b.length));
            if (err != null) {
                return fail(h, err);
            }
            i = lf + 1;
        }
        err = framing(h);
        return err == null ? h : fail(h, err);
    }

    private Head fail(Head h, String message) {
        return Head.malformed(requests ? 400 : 502, requests ? message : "malformed upstream answer: " + message);
    }

    private static String requestLine(Head h, byte[] b, int end) {
        int sp1 = -1;
        int i = 0;
        for (; i < end; i++) {
            byte c = b[i];
            if (c == ' ') {
                sp1 = i;
                break;
            }
            if (c < 0 || !TCHAR[c]) {
                return "malformed request line";
            }
        }
        if (sp1 <= 0) {
            return "malformed request line";
        }
        int sp2 = -1;
        for (i = end - 1; i > sp1; i--) {
            if (b[i] == ' ') {
                sp2 = i;
                break;
            }
        }
        if (sp2 <= sp1 + 1) {
            return "malformed request line";
        }
        for (i = sp1 + 1; i < sp2; i++) {
            byte c = b[i];
            if (c <= 0x20 || c == 0x7f) { // also bytes >= 0x80 (negative): a target is ASCII
                return "malformed request target";
            }
        }
        String version = version(h, b, sp2 + 1, end);
        if (version != null) {
            return version;
        }
        h.method = method(b, sp1);
        h.uri = new String(b, sp1 + 1, sp2 - sp1 - 1, StandardCharsets.ISO_8859_1);
        h.targetEnd = sp2;
        return null;
    }

    private static String statusLine(Head h, byte[] b, int end) {
        int sp = 0;
        while (sp < end && b[sp] != ' ') {
            sp++;
        }
        String version = version(h, b, 0, sp);
        if (version != null) {
            return "malformed status line";
        }
        if (sp + 4 > end || (sp + 4 < end && b[sp + 4] != ' ')) {
            return "malformed status line";
        }
        int code = 0;
        for (int i = sp + 1; i < sp + 4; i++) {
            if (b[i] < '0' || b[i] > '9') {
                return "malformed status line";
            }
            code = code * 10 + b[i] - '0';
        }
        if (code < 100 || code > 599 || code == 101) {
            return "status " + code + " cannot be relayed";
        }
        h.status = code;
        h.reasonStart = Math.min(end, sp + 5);
        h.reasonEnd = end;
        for (int i = h.reasonStart; i < end; i++) {
            byte c = b[i];
            if (c != '\t' && c >= 0 && c < 0x20 || c == 0x7f) {
                return "malformed reason phrase";
            }
        }
        return null;
    }

    /** HTTP/1.0 or HTTP/1.1 (another 1.x is read as 1.1); another major version is refused with 505. */
    private static String version(Head h, byte[] b, int from, int to) {
        if (to - from != 8 || b[from] != 'H' || b[from + 1] != 'T' || b[from + 2] != 'T' || b[from + 3] != 'P'
                || b[from + 4] != '/' || b[from + 6] != '.' || b[from + 5] < '0' || b[from + 5] > '9'
                || b[from + 7] < '0' || b[from + 7] > '9') {
            return "malformed request line";
        }
        if (b[from + 5] != '1') {
            h.error = 505;
            h.errorMessage = "HTTP version " + (char) b[from + 5] + "." + (char) b[from + 7]
                    + " is not supported (HTTP/1.1 only)";
            return h.errorMessage;
        }
        h.http10 = b[from + 7] == '0';
        return null;
    }

    private static String method(byte[] b, int n) {
        switch (n) {
            case 3:
                if (b[0] == 'G' && b[1] == 'E' && b[2] == 'T') {
                    return "GET";
                }
                if (b[0] == 'P' && b[1] == 'U' && b[2] == 'T') {
                    return "PUT";
                }
                break;
            case 4:
                if (b[0] == 'P' && b[1] == 'O' && b[2] == 'S' && b[3] == 'T') {
                    return "POST";
                }
                if (b[0] == 'H' && b[1] == 'E' && b[2] == 'A' && b[3] == 'D') {
                    return "HEAD";
                }
                break;
            default:
                break;
        }
        return new String(b, 0, n, StandardCharsets.ISO_8859_1);
    }

    private static String field(Head h, byte[] b, int start, int end, int lineEnd) {
        if (start == end) {
            return "malformed header field";
        }
        if (b[start] == ' ' || b[start] == '\t') {
            return "obsolete line folding is not accepted";
        }
        int colon = -1;
        for (int i = start; i < end; i++) {
            byte c = b[i];
            if (c == ':') {
                colon = i;
                break;
            }
            if (c < 0 || !TCHAR[c]) {
                return "malformed header field name";
            }
        }
        if (colon <= start) {
            return "malformed header field";
        }
        int vs = colon + 1;
        while (vs < end && (b[vs] == ' ' || b[vs] == '\t')) {
            vs++;
        }
        int ve = end;
        while (ve > vs && (b[ve - 1] == ' ' || b[ve - 1] == '\t')) {
            ve--;
        }
        for (int i = vs; i < ve; i++) {
            byte c = b[i];
            if (c >= 0 && c < 0x20 && c != '\t' || c == 0x7f) {
                return "control character in a header field";
            }
        }
        h.addField(start, colon, vs, ve, lineEnd);
        return null;
    }

    /** Content-Length, Transfer-Encoding and Connection. */
    private String framing(Head h) {
        String te = null;
        for (int i = 0; i < h.size(); i++) {
            int n = h.nameLength(i);
            if (n == 14 && h.nameIs(i, "content-length")) {
                long v = h.digits(i);
                if (v < 0) {
                    v = lengthValue(h.value(i));
                }
                if (v < 0 || (h.contentLength >= 0 && h.contentLength != v)) {
                    return v < 0 ? "Content-Length is not a number" : "conflicting Content-Length fields";
                }
                h.contentLength = v;
            } else if (n == 17 && h.nameIs(i, "transfer-encoding")) {
                te = te == null ? h.value(i) : te + "," + h.value(i);
            } else if (n == 10 && h.nameIs(i, "connection")) {
                connection(h, h.value(i));
            }
        }
        if (te != null) {
            String[] codings = te.toLowerCase(Locale.ROOT).split(",");
            int chunked = 0;
            for (String c : codings) {
                if (c.strip().equals("chunked")) {
                    chunked++;
                }
            }
            boolean lastChunked = codings.length > 0 && codings[codings.length - 1].strip().equals("chunked");
            if (requests) {
                if (h.http10) {
                    return "Transfer-Encoding in an HTTP/1.0 request";
                }
                if (h.contentLength >= 0) {
                    return "both Content-Length and Transfer-Encoding";
                }
                if (!lastChunked || chunked != 1) {
                    return "unsupported Transfer-Encoding";
                }
                h.chunked = true;
            } else {
                h.contentLength = -1; // Transfer-Encoding overrides Content-Length (RFC 9112 §6.3)
                h.chunked = lastChunked && chunked == 1; // else the body ends with the connection
            }
        }
        return null;
    }

    private static void connection(Head h, String value) {
        for (String token : value.split(",")) {
            String t = token.strip();
            if (t.equalsIgnoreCase("close")) {
                h.connectionClose = true;
            } else if (t.equalsIgnoreCase("keep-alive")) {
                h.connectionKeepAlive = true;
            } else if (!t.isEmpty()) {
                h.connectionTokens = h.connectionTokens == null ? t : h.connectionTokens + "," + t;
            }
        }
    }

    /** A Content-Length value (digits, or a list of the same digits), or -1. */
    private static long lengthValue(String v) {
        long value = -1;
        for (String part : v.split(",", -1)) {
            String p = part.strip();
            if (p.isEmpty() || p.length() > 18) {
                return -1;
            }
            long n = 0;
            for (int i = 0; i < p.length(); i++) {
                char c = p.charAt(i);
                if (c < '0' || c > '9') {
                    return -1;
                }
                n = n * 10 + (c - '0');
            }
            if (value >= 0 && value != n) {
                return -1;
            }
            value = n;
        }
        return value;
    }
}
