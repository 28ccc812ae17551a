package dev.faultline.chaos.proxy;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;

/** {@code host:port} strings as the Toxiproxy API writes them ({@code 127.0.0.1:8080}, {@code [::]:8080}). */
final class Addresses {
    private Addresses() {
    }

    /** Parses a listen address; an empty host (":8080") means every interface. */
    static InetSocketAddress parseListen(String listen) throws ApiException {
        String host;
        String port;
        int colon = listen.lastIndexOf(':');
        if (colon < 0) {
            throw ApiException.server("listen tcp: address " + listen + ": missing port in address");
        }
        host = listen.substring(0, colon);
        port = listen.substring(colon + 1);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        int p;
        try {
            p = Integer.parseInt(port);
        } catch (NumberFormatException e) {
            throw ApiException.server("listen tcp: lookup tcp/" + port + ": unknown port");
        }
        if (p < 0 || p > 65535) {
            throw ApiException.server("listen tcp: address " + port + ": invalid port");
        }
        if (host.isEmpty()) {
            return new InetSocketAddress(p);
        }
        try {
            return new InetSocketAddress(firstIpv4OrFirst(InetAddress.getAllByName(host)), p);
        } catch (UnknownHostException e) {
            throw ApiException.server("listen tcp " + listen + ": lookup " + host + ": no such host");
        }
    }

    /** A name that resolves to several addresses is bound on its first IPv4 one, as Go's {@code net.Listen} does. */
    private static InetAddress firstIpv4OrFirst(InetAddress[] all) {
        for (InetAddress a : all) {
            if (a instanceof Inet4Address) {
                return a;
            }
        }
        return all[0];
    }

    /**
     * The address a bind error names, as Go's {@code net.Listen} words it: the resolved address
     * ({@code localhost:3310} is named {@code 127.0.0.1:3310}), {@code :3310} for an empty host, and {@code 0.0.0.0}
     * for either wildcard (Go adds the IPv4 wildcard to {@code ::} and names the first IPv4 address).
     */
    static String bindErrorAddress(String listen, InetSocketAddress resolved) {
        if (listen.startsWith(":")) {
            return listen;
        }
        if (resolved.getAddress() != null && resolved.getAddress().isAnyLocalAddress()) {
            return "0.0.0.0:" + resolved.getPort();
        }
        return format(resolved);
    }

    /** The form the real server reports for a bound address. */
    static String format(InetSocketAddress address) {
        InetAddress a = address.getAddress();
        String host;
        if (a == null || a.isAnyLocalAddress()) {
            host = "[::]";
        } else if (a instanceof Inet6Address) {
            host = "[" + a.getHostAddress().replaceAll("(^|:)0(:0)+(:|$)", "::").replaceAll(":{3,}", "::") + "]";
        } else {
            host = a.getHostAddress();
        }
        return host + ":" + address.getPort();
    }

    /** Splits an upstream address into host and port; the host is kept as written. */
    static InetSocketAddress upstream(String upstream) {
        int colon = upstream.lastIndexOf(':');
        String host = colon < 0 ? upstream : upstream.substring(0, colon);
        int port;
        try {
            port = colon < 0 ? 0 : Integer.parseInt(upstream.substring(colon + 1));
        } catch (NumberFormatException e) {
            port = 0;
        }
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        return InetSocketAddress.createUnresolved(host.isEmpty() ? "127.0.0.1" : host, port);
    }
}
