package dev.faultline.chaos.api;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * DNS-rebinding defence: while the API listens on loopback, a request must name a loopback host ({@code localhost},
 * {@code 127.0.0.0/8}, {@code [::1]}, with or without a port). A web page that rebinds its own name to 127.0.0.1
 * reaches the port, but its requests still carry that name. Bound elsewhere (0.0.0.0 in a container) any host is
 * accepted. Only literals are recognised: a Host value is never resolved.
 */
final class HostCheck {
    private static final Pattern IPV4 = Pattern.compile("(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})");
    private static final Pattern PORT = Pattern.compile("(:\\d{0,5})?");

    private final boolean loopbackOnly;

    private HostCheck(boolean loopbackOnly) {
        this.loopbackOnly = loopbackOnly;
    }

    /** The check for an API bound to {@code bindHost}: active when every address of that host is loopback. */
    static HostCheck forBindHost(String bindHost) {
        try {
            for (InetAddress a : InetAddress.getAllByName(bindHost)) {
                if (!a.isLoopbackAddress()) {
                    return new HostCheck(false);
                }
            }
            return new HostCheck(true);
        } catch (UnknownHostException e) {
            return new HostCheck(true); // the listen fails anyway; refuse rather than allow
        }
    }

    /** Whether a request with this {@code Host} header (null: none, as from an HTTP/1.0 tool) may be served. */
    boolean allows(String host) {
        return !loopbackOnly || host == null || isLoopback(host);
    }

    static boolean isLoopback(String host) {
        String name;
        String rest;
        if (host.startsWith("[")) {
            int end = host.indexOf(']');
            if (end < 0) {
                return false;
            }
            name = host.substring(1, end);
            rest = host.substring(end + 1);
        } else {
            int colon = host.indexOf(':');
            name = colon < 0 ? host : host.substring(0, colon);
            rest = colon < 0 ? "" : host.substring(colon);
        }
        if (!PORT.matcher(rest).matches()) {
            return false;
        }
        if (host.startsWith("[")) {
            return name.contains(":") && isLoopbackIpv6(name);
        }
        return name.equalsIgnoreCase("localhost") || isLoopbackIpv4(name);
    }

    private static boolean isLoopbackIpv4(String name) {
        Matcher m = IPV4.matcher(name);
        if (!m.matches() || !m.group(1).equals("127")) {
            return false;
        }
        for (int i = 2; i <= 4; i++) {
            if (Integer.parseInt(m.group(i)) > 255) {
                return false;
            }
        }
        return true;
    }

    /** An IPv6 literal (it contains a colon, so {@link InetAddress} parses it and never looks it up). */
    private static boolean isLoopbackIpv6(String literal) {
        try {
            return InetAddress.getByName(literal).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }
}
