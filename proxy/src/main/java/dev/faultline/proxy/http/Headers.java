package dev.faultline.proxy.http;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.AsciiString;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Hop-by-hop header handling (RFC 9110 §7.6.1) and the headers the proxy adds. Names are compared without case and
 * without allocating: candidates are looked up by length.
 */
final class Headers {
    private static final String[][] HOP_BY_HOP = byLength("connection", "keep-alive", "proxy-authenticate",
            "proxy-authorization", "proxy-connection", "te", "trailer", "transfer-encoding", "upgrade");
    /** Trace headers of every propagation format: replaced by the proxy's own injection upstream. */
    private static final String[][] TRACE = byLength("traceparent", "tracestate", "b3", "x-b3-traceid",
            "x-b3-spanid", "x-b3-parentspanid", "x-b3-sampled", "x-b3-flags", "uber-trace-id");

    private Headers() {
    }

    static boolean hopByHop(CharSequence name) {
        return in(HOP_BY_HOP, name);
    }

    static boolean trace(CharSequence name) {
        return in(TRACE, name);
    }

    /** Copies end-to-end headers: drops hop-by-hop ones, those named in Connection, and (optionally) trace ones. */
    static void copyEndToEnd(HttpHeaders in, HttpHeaders out, boolean dropTrace) {
        String connection = in.get(HttpHeaderNames.CONNECTION);
        List<String> named = connection == null ? List.of() : namedIn(connection);
        for (var it = in.iteratorCharSequence(); it.hasNext(); ) {
            Map.Entry<CharSequence, CharSequence> e = it.next();
            CharSequence name = e.getKey();
            if (hopByHop(name) || (dropTrace && trace(name)) || (!named.isEmpty() && isNamed(named, name))) {
                continue;
            }
            out.add(name, e.getValue());
        }
    }

    private static List<String> namedIn(String connection) {
        List<String> names = new ArrayList<>();
        for (String n : connection.split(",")) {
            String t = n.strip();
            if (!t.isEmpty()) {
                names.add(t);
            }
        }
        return names;
    }

    private static boolean isNamed(List<String> named, CharSequence name) {
        for (String n : named) {
            if (AsciiString.contentEqualsIgnoreCase(n, name)) {
                return true;
            }
        }
        return false;
    }

    private static boolean in(String[][] table, CharSequence name) {
        int n = name.length();
        if (n >= table.length || table[n] == null) {
            return false;
        }
        for (String candidate : table[n]) {
            if (AsciiString.contentEqualsIgnoreCase(candidate, name)) {
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
