package dev.faultline.proxy.http;


/**
 * Hop-by-hop header handling (RFC 9110 §7.6.1) and the fields the proxy writes itself. Field lines that are
 * forwarded are copied as they were received; names are compared without case and without allocating (candidates
 * are looked up by length).
 */
final class Headers {
    private static final String[][] HOP_BY_HOP = byLength("connection", "keep-alive", "proxy-authenticate",
            "proxy-authorization", "proxy-connection", "te", "trailer", "transfer-encoding", "upgrade");
    /** Trace fields of every propagation format: replaced upstream by the proxy's own injection. */
    private static final String[][] TRACE = byLength("traceparent", "tracestate", "b3", "x-b3-traceid",
            "x-b3-spanid", "x-b3-parentspanid", "x-b3-sampled", "x-b3-flags", "uber-trace-id");
    /** Fields of a request the proxy writes itself upstream (the client's values are folded into them). */
    private static final String[][] REQUEST_OWN = byLength("expect", "x-request-id", "x-forwarded-for",
            "x-forwarded-proto");
    private static final String[][] RESPONSE_OWN = byLength("x-request-id");
    private static final String[][] CONTENT_LENGTH = byLength("content-length");

    private Headers() {
    }

    /** Writes the request's end-to-end fields: not hop-by-hop, not named in Connection, not trace, not the proxy's. */
    static void writeRequestFields(Head h, HeadBuilder out) {
        int runStart = -1;
        int runEnd = -1;
        for (int i = 0; i < h.size(); i++) {
            boolean keep = !in(HOP_BY_HOP, h, i) && !in(TRACE, h, i) && !in(REQUEST_OWN, h, i) && !namedInConnection(h, i)
                    && !(h.rewriteLength && in(CONTENT_LENGTH, h, i));
            runStart = copy(h, i, keep, runStart, runEnd, out);
            runEnd = h.lineEnd(i);
        }
        flush(h, runStart, runEnd, out);
        canonicalLength(h, true, out);
    }

    /** One Content-Length in canonical decimal in place of the lines not copied (see {@link Head#rewriteLength}). */
    private static void canonicalLength(Head h, boolean keepLength, HeadBuilder out) {
        if (h.rewriteLength && keepLength && h.contentLength >= 0) {
            out.field("Content-Length", Long.toString(h.contentLength));
        }
    }

    /**
     * Writes the answer's end-to-end fields but X-Request-Id; Content-Length too unless {@code keepLength} is false
     * (the body is re-framed).
     */
    static void writeResponseFields(Head h, HeadBuilder out, boolean keepLength) {
        int runStart = -1;
        int runEnd = -1;
        for (int i = 0; i < h.size(); i++) {
            boolean keep = !in(HOP_BY_HOP, h, i) && !in(RESPONSE_OWN, h, i)
                    && (keepLength && !h.rewriteLength || !in(CONTENT_LENGTH, h, i)) && !namedInConnection(h, i);
            runStart = copy(h, i, keep, runStart, runEnd, out);
            runEnd = h.lineEnd(i);
        }
        flush(h, runStart, runEnd, out);
        canonicalLength(h, keepLength, out);
    }

    /**
     * Kept field lines are copied as they were received, consecutive ones in one piece (lines that ended with a
     * bare LF are rewritten one by one). Returns where the run of kept lines that field {@code i} belongs to starts,
     * or -1.
     */
    private static int copy(Head h, int i, boolean keep, int runStart, int runEnd, HeadBuilder out) {
        if (h.bareLf) {
            if (keep) {
                h.writeField(i, out);
            }
            return -1;
        }
        if (keep) {
            return runStart < 0 ? h.lineStart(i) : runStart;
        }
        flush(h, runStart, runEnd, out);
        return -1;
    }

    private static void flush(Head h, int runStart, int runEnd, HeadBuilder out) {
        if (runStart >= 0) {
            out.bytes(h.bytes, runStart, runEnd - runStart);
        }
    }

    private static boolean namedInConnection(Head h, int i) {
        String tokens = h.connectionTokens;
        if (tokens == null) {
            return false;
        }
        String name = h.name(i);
        for (String t : tokens.split(",")) {
            if (t.equalsIgnoreCase(name)) {
                return true;
            }
        }
        return false;
    }

    private static boolean in(String[][] table, Head h, int i) {
        int n = h.nameLength(i);
        if (n >= table.length || table[n] == null) {
            return false;
        }
        for (String candidate : table[n]) {
            if (h.nameIs(i, candidate)) {
                return true;
            }
        }
        return false;
    }

    private static String[][] byLength(String... names) {
        int max = 0;
        for (String s : names) {
            max = Math.max(max, s.length());
        }
        String[][] table = new String[max + 1][];
        for (String s : names) {
            String[] old = table[s.length()];
            String[] grown = old == null ? new String[1] : java.util.Arrays.copyOf(old, old.length + 1);
            grown[grown.length - 1] = s;
            table[s.length()] = grown;
        }
        return table;
    }
}
