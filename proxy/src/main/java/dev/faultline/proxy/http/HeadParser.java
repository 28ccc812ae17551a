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
        return err == null ? h : fail(requests, err);
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
    private static String framing(boolean requests, Head h) {
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
