package dev.faultline.proxy.http;

import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * A complete HTTP/1.x head made into a {@link Head}: the request or status line, the field lines (as offsets, with
 * their syntax checked: token names, no space before the colon, no obsolete folding, no control characters), then
 * the framing fields (Content-Length, Transfer-Encoding, Connection) with the strictness described in
 * {@link HttpReader}. A malformed head comes back as {@link Head#malformed}: 400 (505 for another HTTP version)
 * for a request, 502 for an answer.
 */
final class HeadParser {
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

    private HeadParser() {
    }

    /** Whether {@code c} (a byte as read) may be in a token (RFC 9110 §5.6.2). */
    static boolean tchar(byte c) {
        return c >= 0 && TCHAR[c];
    }

    /** The head in {@code b} (without its empty line); {@code firstLine}: the start line's length with its LF. */
    static Head parse(boolean requests, byte[] b, int firstLine) {
        Head h = new Head(b);
        int lineEnd = firstLine - 1;
        if (lineEnd > 0 && b[lineEnd - 1] == '\r') {
            lineEnd--;
        }
        String err = requests ? requestLine(h, b, lineEnd) : statusLine(h, b, lineEnd);
        if (err != null) {
            return requests && h.error != 0 ? h : fail(requests, err);
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
                return fail(requests, err);
            }
            i = lf + 1;
        }
        err = framing(requests, h);
        return err == null || h.error != 0 ? h : fail(requests, err);
    }

    private static Head fail(boolean requests, String message) {
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
        int colon = fieldLine(b, start, end);
        if (colon < 0) {
            return fieldLineError(colon);
        }
        int vs = colon + 1;
        while (vs < end && (b[vs] == ' ' || b[vs] == '\t')) {
            vs++;
        }
        int ve = end;
        while (ve > vs && (b[ve - 1] == ' ' || b[ve - 1] == '\t')) {
            ve--;
        }
        h.addField(start, colon, vs, ve, lineEnd);
        return null;
    }

    private static final String[] FIELD_ERRORS = {"malformed header field", "obsolete line folding is not accepted",
        "malformed header field name", "control character in a header field"};

    /**
     * Checks the field line {@code b[start, end)} (without its line end): a token name, a colon right after it, a
     * value without control characters (but HTAB). Returns the colon's index, or a negative code for
     * {@link #fieldLineError}.
     */
    static int fieldLine(byte[] b, int start, int end) {
        if (start == end) {
            return -1;
        }
        if (b[start] == ' ' || b[start] == '\t') {
            return -2;
        }
        int colon = -1;
        for (int i = start; i < end; i++) {
            byte c = b[i];
            if (c == ':') {
                colon = i;
                break;
            }
            if (c < 0 || !TCHAR[c]) {
                return -3;
            }
        }
        if (colon <= start) {
            return -1;
        }
        for (int i = colon + 1; i < end; i++) {
            byte c = b[i];
            if (c >= 0 && c < 0x20 && c != '\t' || c == 0x7f) {
                return -4;
            }
        }
        return colon;
    }

    /** The message for a negative {@link #fieldLine} result. */
    static String fieldLineError(int code) {
        return FIELD_ERRORS[-code - 1];
    }

    /** Content-Length, Transfer-Encoding and Connection. */
    private static String framing(boolean requests, Head h) {
        String te = null;
        int lengths = 0;
        for (int i = 0; i < h.size(); i++) {
            int n = h.nameLength(i);
            if (n == 14 && h.nameIs(i, "content-length")) {
                long v = h.digits(i);
                if (v < 0 || h.leadingZero(i)) {
                    h.rewriteLength = true; // a list, or leading zeros: forwarded as one canonical field
                    v = v < 0 ? lengthValue(h.value(i)) : v;
                }
                if (v == -1) {
                    return "Content-Length is not a number";
                }
                if (v == -2 || (h.contentLength >= 0 && h.contentLength != v)) {
                    return "conflicting Content-Length fields";
                }
                h.contentLength = v;
                if (++lengths > 1) {
                    h.rewriteLength = true;
                }
            } else if (n == 17 && h.nameIs(i, "transfer-encoding")) {
                te = te == null ? h.value(i) : te + "," + h.value(i);
            } else if (n == 10 && h.nameIs(i, "connection")) {
                connection(h, h.value(i));
            }
        }
        if (te == null) {
            return null;
        }
        // every Transfer-Encoding line is one list, judged whole; empty elements do not count (RFC 9110 §5.6.1)
        String[] codings = te.split(",");
        int count = 0;
        int chunked = 0;
        String other = null;
        String last = null;
        boolean malformed = false;
        for (String c : codings) {
            String coding = c.strip();
            if (coding.isEmpty()) {
                continue;
            }
            count++;
            last = coding;
            if (coding.equalsIgnoreCase("chunked")) {
                chunked++;
            } else if (!isToken(coding)) {
                malformed = true; // parameters, quotes, spaces: no coding the proxy knows
            } else if (other == null) {
                other = coding;
            }
        }
        boolean lastChunked = last != null && last.equalsIgnoreCase("chunked");
        if (!requests) {
            h.contentLength = -1; // Transfer-Encoding overrides Content-Length (RFC 9112 §6.3)
            h.chunked = lastChunked && chunked == 1; // else the body ends with the connection
            return null;
        }
        if (h.http10) {
            return "Transfer-Encoding in an HTTP/1.0 request";
        }
        if (h.contentLength >= 0) {
            return "both Content-Length and Transfer-Encoding";
        }
        if (malformed || !lastChunked || chunked != 1) {
            return "unsupported Transfer-Encoding"; // RFC 9112 §6.3: chunked must be final, and applied once
        }
        if (count > 1) {
            // chunked last, after codings the proxy does not decode (RFC 9112 §6.1: 501)
            h.error = 501;
            h.errorMessage = "transfer coding " + Forwarder.truncate(other) + " is not implemented (only chunked)";
            return h.errorMessage;
        }
        h.chunked = true;
        return null;
    }

    private static boolean isToken(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c >= 128 || !TCHAR[c]) {
                return false;
            }
        }
        return true;
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

    /** A Content-Length value (digits, or a list of the same digits): the value, -1 when malformed, -2 when differing. */
    private static long lengthValue(String v) {
        long value = -1;
        boolean differ = false;
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
            differ |= value >= 0 && value != n;
            value = n;
        }
        return differ ? -2 : value;
    }
}
