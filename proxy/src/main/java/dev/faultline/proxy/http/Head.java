package dev.faultline.proxy.http;

import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;

/**
 * An HTTP/1.x message head as it was received: the start line's parts and the header fields as offsets into a copy
 * of the head's bytes, so that forwarding copies field lines as they are instead of decoding and re-encoding them.
 * Made by {@link HttpReader}; when {@link #error} is not 0 the head is malformed and only the error is meaningful.
 */
final class Head {
    /** The head's bytes, from the start line to the last field line (the empty line excluded). */
    final byte[] bytes;
    /** Per field: name start, name end, value start, value end (value without surrounding whitespace). */
    private int[] fields = new int[32];
    private int count;

    // request line
    String method = "";
    String uri = "/";
    // status line
    int status;
    int reasonStart;
    int reasonEnd;
    /** HTTP/1.0 (else 1.1). */
    boolean http10;

    // framing and connection management, decided by the reader
    /** Declared Content-Length, or -1. */
    long contentLength = -1;
    boolean chunked;
    /** A response whose body ends when the connection closes. */
    boolean closeDelimited;
    boolean connectionClose;
    boolean connectionKeepAlive;
    /** The Connection header's value when it names more than close/keep-alive (those fields are hop-by-hop too). */
    String connectionTokens;

    /** 0, or the status a malformed request earns (400, 414, 431, 505); for a response any non-zero value. */
    int error;
    String errorMessage;

    Head(byte[] bytes) {
        this.bytes = bytes;
    }

    static Head malformed(int error, String message) {
        Head h = new Head(new byte[0]);
        h.error = error;
        h.errorMessage = message;
        return h;
    }

    void addField(int nameStart, int nameEnd, int valueStart, int valueEnd) {
        if (count * 4 == fields.length) {
            fields = java.util.Arrays.copyOf(fields, fields.length * 2);
        }
        int i = count * 4;
        fields[i] = nameStart;
        fields[i + 1] = nameEnd;
        fields[i + 2] = valueStart;
        fields[i + 3] = valueEnd;
        count++;
    }

    int size() {
        return count;
    }

    int nameStart(int i) {
        return fields[i * 4];
    }

    int nameLength(int i) {
        return fields[i * 4 + 1] - fields[i * 4];
    }

    /** Whether field {@code i} is named {@code lowerName} (ASCII, given in lower case), ignoring case. */
    boolean nameIs(int i, String lowerName) {
        int start = fields[i * 4];
        int n = fields[i * 4 + 1] - start;
        if (n != lowerName.length()) {
            return false;
        }
        for (int k = 0; k < n; k++) {
            if (lower(bytes[start + k]) != lowerName.charAt(k)) {
                return false;
            }
        }
        return true;
    }

    static int lower(byte b) {
        return b >= 'A' && b <= 'Z' ? b + 32 : b & 0xff;
    }

    String name(int i) {
        return new String(bytes, fields[i * 4], nameLength(i), StandardCharsets.ISO_8859_1);
    }

    String value(int i) {
        return new String(bytes, fields[i * 4 + 2], fields[i * 4 + 3] - fields[i * 4 + 2], StandardCharsets.ISO_8859_1);
    }

    /** The first value of the named field ({@code lowerName} in lower case), or null. */
    String get(String lowerName) {
        for (int i = 0; i < count; i++) {
            if (nameIs(i, lowerName)) {
                return value(i);
            }
        }
        return null;
    }

    /** Every value of the named field joined with ", " (a list field sent in several lines), or null. */
    String getAll(String lowerName) {
        String all = null;
        for (int i = 0; i < count; i++) {
            if (nameIs(i, lowerName)) {
                all = all == null ? value(i) : all + ", " + value(i);
            }
        }
        return all;
    }

    boolean contains(String lowerName) {
        for (int i = 0; i < count; i++) {
            if (nameIs(i, lowerName)) {
                return true;
            }
        }
        return false;
    }

    /** Field {@code i}'s value as a decimal number when it is 1 to 18 digits, else -1. */
    long digits(int i) {
        int start = fields[i * 4 + 2];
        int end = fields[i * 4 + 3];
        if (end == start || end - start > 18) {
            return -1;
        }
        long n = 0;
        for (int k = start; k < end; k++) {
            byte c = bytes[k];
            if (c < '0' || c > '9') {
                return -1;
            }
            n = n * 10 + (c - '0');
        }
        return n;
    }

    /** Writes field {@code i} as a line: {@code name: value CRLF}, the bytes as received. */
    void writeField(int i, ByteBuf out) {
        int j = i * 4;
        out.writeBytes(bytes, fields[j], fields[j + 1] - fields[j]);
        out.writeByte(':').writeByte(' ');
        out.writeBytes(bytes, fields[j + 2], fields[j + 3] - fields[j + 2]);
        out.writeByte('\r').writeByte('\n');
    }

    /** Bytes of field {@code i}'s line when written by {@link #writeField}. */
    int fieldLineLength(int i) {
        int j = i * 4;
        return fields[j + 1] - fields[j] + fields[j + 3] - fields[j + 2] + 4;
    }

    /** A response's reason phrase, as received. */
    void writeReason(ByteBuf out) {
        out.writeBytes(bytes, reasonStart, reasonEnd - reasonStart);
    }
}
