package dev.faultline.proxy.http;

import io.vertx.core.MultiMap;
import java.util.Locale;
import java.util.Set;

/** Hop-by-hop header handling (RFC 9110 §7.6.1) and the headers the proxy adds. */
final class Headers {
    static final Set<String> HOP_BY_HOP = Set.of("connection", "keep-alive", "proxy-authenticate",
            "proxy-authorization", "proxy-connection", "te", "trailer", "transfer-encoding", "upgrade");
    /** Trace headers of every propagation format: replaced by the proxy's own injection upstream. */
    static final Set<String> TRACE = Set.of("traceparent", "tracestate", "b3", "x-b3-traceid", "x-b3-spanid",
            "x-b3-parentspanid", "x-b3-sampled", "x-b3-flags", "uber-trace-id");

    private Headers() {
    }

    /** Copies end-to-end headers: drops hop-by-hop ones, those named in Connection, and (optionally) trace ones. */
    static MultiMap endToEnd(MultiMap in, boolean dropTrace) {
        MultiMap out = MultiMap.caseInsensitiveMultiMap();
        String connection = in.get("Connection");
        Set<String> named = connection == null ? Set.of() : Set.of(connection.toLowerCase(Locale.ROOT).split("\\s*,\\s*"));
        for (var e : in) {
            String name = e.getKey().toLowerCase(Locale.ROOT);
            if (HOP_BY_HOP.contains(name) || named.contains(name) || (dropTrace && TRACE.contains(name))) {
                continue;
            }
            out.add(e.getKey(), e.getValue());
        }
        return out;
    }
}
