package dev.faultline.proxy.http;

import java.nio.charset.StandardCharsets;

/**
 * An HTTP/1.x message head as it was received: the start line's parts and the header fields as offsets into a copy
 * of the head's bytes, so that forwarding copies field lines as they are instead of decoding and re-encoding them.
 * Made by {@link HttpReader}; when {@link #error} is not 0 the head is malformed and only the error is meaningful.
 */
final class Head {
    /** The head's bytes, from the start line to the last field line (the empty line excluded). */
    final byte[] bytes;
    /**
     * Per field: name start (the line's start), name end, value start, value end (value without surrounding
     * whitespace), line end (after its LF).
     */
    private int[] fields = new int[40];
    private int count;
    /** Some line ended with a bare LF: field lines are then rewritten, not copied as they are. */
    boolean bareLf;

    // request line
    String method = "";
    String uri = "/";
    /** End of the request target in {@link #bytes} (the method and target are copied from there). */
    int targetEnd;
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
    /**
     * The Content-Length field lines are not forwarded as received (several equal ones, a list, leading zeros): one
     * {@code Content-Length} with the value in canonical decimal takes their place.
     */
    boolean rewriteLength;
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

    void addField(int nameStart, int nameEnd, int valueStart, int valueEnd, int lineEnd) {
        if (count * F == fields.length) {
            fields = java.util.Arrays.copyOf(fields, fields.length * 2);
        }
        int i = count * F;
        fields[i] = nameStart;
        fields[i + 1] = nameEnd;
        fields[i + 2] = valueStart;
        fields[i + 3] = valueEnd;
        fields[i + 4] = lineEnd;
        count++;
    }

    private static final int F = 5;

    int lineStart(int i) {
        return fields[i * F];
    }

    int lineEnd(int i) {
        return fields[i * F + 4];
    }

    int size() {
        return count;
    }

    int nameLength(int i) {
        return fields[i * F + 1] - fields[i * F];
    }

    /** Whether field {@code i} is named {@code lowerName} (ASCII, given in lower case), ignoring case. */
    boolean nameIs(int i, String lowerName) {
        int start = fields[i * F];
        int n = fields[i * F + 1] - start;
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
        return new String(bytes, fields[i * F], nameLength(i), StandardCharsets.ISO_8859_1);
    }

    String value(int i) {
        return new String(bytes, fields[i * F + 2], fields[i * F + 3] - fields[i * F + 2], StandardCharsets.ISO_8859_1);
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
        int start = fields[i * F + 2];
        int end = fields[i * F + 3];
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

    /** Whether field {@code i}'s value is a number written with a leading zero (as in {@code 010}). */
    boolean leadingZero(int i) {
        int start = fields[i * F + 2];
        return fields[i * F + 3] - start > 1 && bytes[start] == '0';
    }

    /** Writes field {@code i} as a line: {@code name: value CRLF}. */
    void writeField(int i, HeadBuilder out) {
        int j = i * F;
        out.bytes(bytes, fields[j], fields[j + 1] - fields[j]).ch(':').ch(' ')
                .bytes(bytes, fields[j + 2], fields[j + 3] - fields[j + 2]).crlf();
    }

    /** A response's reason phrase, as received. */
    void writeReason(HeadBuilder out) {
        out.bytes(bytes, reasonStart, reasonEnd - reasonStart);
    }

    /** A request's method and target, as received. */
    void writeMethodAndTarget(HeadBuilder out) {
        out.bytes(bytes, 0, targetEnd);
    }
}
