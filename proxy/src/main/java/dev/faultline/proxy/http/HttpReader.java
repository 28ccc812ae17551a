package dev.faultline.proxy.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;

/**
 * An HTTP/1.x message reader for one connection, fed the bytes as they are read: heads become {@link Head}s (field
 * lines kept as bytes), bodies are handed on as slices of what was read, whether framed by Content-Length, chunked
 * (decoded) or, for responses, ended by the connection's close. Strict where framing is at stake: a request with
 * both Content-Length and Transfer-Encoding, conflicting lengths, a transfer coding other than a single chunked,
 * obsolete line folding, control characters or a bare CR before it is malformed; a chunked body follows the grammar
 * to the letter (hexadecimal sizes, extensions as tokens or quoted strings, CRLF line ends, trailer fields checked
 * like header fields); after a malformed message the reader reads nothing more. Limits: the start line (8 KiB), the
 * header block (configured), a chunk-size line (4 KiB), a request body (configured: a chunked body's sizes are
 * counted as they are read, so a chunk that would go over is refused at its size line).
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

        /**
         * The body cannot be framed (e.g. a malformed chunk: 400) or is over the body limit (413): the message is cut
         * short; nothing more is read.
         */
        void bodyError(int status, String message);
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
    private final boolean requests;
    private final int maxHeaderBytes;
    /** Requests: the most body bytes a message may have (chunked bodies are checked chunk by chunk). */
    private final long maxBodyBytes;
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
    /** Bytes of the current chunked body so far, counted at each chunk-size line. */
    private long chunkedLength;
    /** Something of the next head (if only empty lines) was read: see {@link #awaitingHead()}. */
    private boolean headStarted;
    /** Responses: the next one answers a HEAD request (no body whatever its fields say). */
    private boolean nextBodyless;

    /** A reader without a body limit (answers). */
    HttpReader(boolean requests, int maxHeaderBytes, ByteBufAllocator alloc, Sink sink) {
        this(requests, maxHeaderBytes, Long.MAX_VALUE, alloc, sink);
    }

    HttpReader(boolean requests, int maxHeaderBytes, long maxBodyBytes, ByteBufAllocator alloc, Sink sink) {
        this.requests = requests;
        this.maxHeaderBytes = maxHeaderBytes;
        this.maxBodyBytes = maxBodyBytes;
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

    /**
     * Waiting for the rest of a head that has begun (empty lines before it count), and not paused: the time a
     * request head takes is bounded from here.
     */
    boolean awaitingHead() {
        return state == HEAD && !paused && !released && (headStarted || hasBuffered());
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

    /**
     * Empty lines (CRLF or LF) before a message are ignored (RFC 9112 §2.2); a bare CR there is malformed. False when
     * nothing else is there yet.
     */
    private boolean skipEmptyLines() {
        if (scan > 0) {
            return true; // inside a partial head
        }
        int i = cum.readerIndex();
        int end = cum.writerIndex();
        while (i < end) {
            byte b = cum.getByte(i);
            if (b == '\n') {
                i++;
            } else if (b != '\r' || i + 1 == end) {
                break; // the start line, or a CR whose LF may come next
            } else if (cum.getByte(i + 1) == '\n') {
                i += 2;
            } else {
                deliverHead(requests ? Head.malformed(400, "bare CR before a request")
                        : Head.malformed(502, "malformed upstream answer: bare CR before the status line"));
                return false;
            }
        }
        headStarted |= i > cum.readerIndex();
        cum.readerIndex(i);
        return i < end && cum.getByte(i) != '\r';
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
                deliverHead(HeadParser.parse(requests, bytes, first));
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
        headStarted = false;
        if (h.error != 0) {
            state = BROKEN;
            cum.skipBytes(cum.readableBytes());
            sink.head(h);
            return;
        }
        // a request without a length has no body; an answer without one ends with the connection, unless it is
        // to a HEAD request, interim (1xx), 204 or 304
        boolean interim = !requests && h.status < 200;
        boolean body;
        if (!requests && (nextBodyless || interim || h.status == 204 || h.status == 304)) {
            body = false;
        } else if (h.chunked) {
            state = CHUNK_SIZE;
            chunkedLength = 0;
            body = true;
        } else if (h.contentLength > 0) {
            state = FIXED;
            remaining = h.contentLength;
            body = true;
        } else if (requests || h.contentLength == 0) {
            body = false;
        } else {
            h.closeDelimited = true;
            state = CLOSE_DELIMITED;
            body = true;
        }
        if (!requests && !interim) {
            nextBodyless = false;
        }
        if (!body) {
            state = HEAD;
        }
        sink.head(h);
        if (!body && !released) {
            sink.content(Unpooled.EMPTY_BUFFER, true);
        }
    }

    /** {@code chunk-size [chunk-ext] CRLF} (RFC 9112 §7.1), or {@code last-chunk}. */
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
        if (lf == start || cum.getByte(lf - 1) != '\r') {
            bodyError(CRLF_MISSING);
            return false;
        }
        int lineEnd = lf - 1;
        long size = 0;
        int i = start;
        for (; i < lineEnd; i++) {
            int d = ChunkGrammar.hex(cum.getByte(i));
            if (d < 0) {
                break;
            }
            if (i - start >= 15) {
                bodyError("chunk size is too large");
                return false;
            }
            size = size * 16 + d;
            if (size > maxBodyBytes - chunkedLength) {
                bodyError(413, "request body is larger than " + maxBodyBytes + " bytes");
                return false;
            }
        }
        if (i == start) {
            bodyError("malformed chunk size");
            return false;
        }
        int ext = ChunkGrammar.extensions(cum, i, lineEnd);
        if (ext != lineEnd) {
            bodyError(ext == i ? "malformed chunk size" : "malformed chunk extension");
            return false;
        }
        cum.readerIndex(lf + 1);
        chunkedLength += size;
        if (size == 0) {
            state = TRAILERS;
            scan = 0;
        } else {
            state = CHUNK_DATA;
            remaining = size;
        }
        return true;
    }

    private static final String CRLF_MISSING = "chunk line does not end with CRLF";

    /** The CRLF after a chunk's data. */
    private boolean readChunkEnd() {
        int n = cum.readableBytes();
        if (n < 2) {
            if (n == 1 && cum.getByte(cum.readerIndex()) != '\r') {
                bodyError("malformed chunked body (no CRLF after a chunk)");
            }
            return false;
        }
        if (cum.getByte(cum.readerIndex()) != '\r' || cum.getByte(cum.readerIndex() + 1) != '\n') {
            bodyError("malformed chunked body (no CRLF after a chunk)");
            return false;
        }
        cum.skipBytes(2);
        state = CHUNK_SIZE;
        return true;
    }

    /**
     * Trailer fields are read, bounded like a header block, checked like header fields (a request line there is
     * malformed, not a trailer), and dropped.
     */
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
            if (lf == from || cum.getByte(lf - 1) != '\r') {
                bodyError(CRLF_MISSING);
                return false;
            }
            int lineEnd = lf - 1;
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
            byte[] line = new byte[lineEnd - from];
            cum.getBytes(from, line);
            int colon = HeadParser.fieldLine(line, 0, line.length);
            if (colon < 0) {
                bodyError("malformed trailer section: " + HeadParser.fieldLineError(colon));
                return false;
            }
        }
    }

    /** A body that cannot be framed: the message and the connection are over. */
    private void bodyError(String message) {
        bodyError(400, message);
    }

    private void bodyError(int status, String message) {
        state = BROKEN;
        scan = 0;
        cum.skipBytes(cum.readableBytes());
        sink.bodyError(status, message);
    }
}
