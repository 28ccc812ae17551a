package dev.faultline.proxy.http;

import io.vertx.core.MultiMap;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;

/** Hop-by-hop header handling (RFC 9110 §7.6.1) and the headers the proxy adds. */
final class Headers {
    static final Set<String> HOP_BY_HOP = ignoringCase("connection", "keep-alive", "proxy-authenticate",
            "proxy-authorization", "proxy-connection", "te", "trailer", "transfer-encoding", "upgrade");
    /** Trace headers of every propagation format: replaced by the proxy's own injection upstream. */
    static final Set<String> TRACE = ignoringCase("traceparent", "tracestate", "b3", "x-b3-traceid", "x-b3-spanid",
            "x-b3-parentspanid", "x-b3-sampled", "x-b3-flags", "uber-trace-id");

    private Headers() {
    }

    /** Copies end-to-end headers: drops hop-by-hop ones, those named in Connection, and (optionally) trace ones. */
    static MultiMap endToEnd(MultiMap in, boolean dropTrace) {
        MultiMap out = MultiMap.caseInsensitiveMultiMap();
        copyEndToEnd(in, out, dropTrace);
        return out;
    }

    /** {@link #endToEnd} into an existing map (names compared without case, nothing allocated per header). */
    static void copyEndToEnd(MultiMap in, MultiMap out, boolean dropTrace) {
        String connection = in.get("Connection");
        Set<String> named = connection == null ? Set.of() : Set.of(connection.toLowerCase(Locale.ROOT).split("\\s*,\\s*"));
        for (var e : in) {
            String name = e.getKey();
            if (HOP_BY_HOP.contains(name) || (dropTrace && TRACE.contains(name))
                    || (!named.isEmpty() && named.contains(name.toLowerCase(Locale.ROOT)))) {
                continue;
            }
            out.add(name, e.getValue());
        }
    }

    private static Set<String> ignoringCase(String... names) {
        TreeSet<String> set = new TreeSet<>(String.CASE_INSENSITIVE_ORDER);
        set.addAll(Set.of(names));
        return java.util.Collections.unmodifiableSet(set);
    }
}
