package dev.faultline.wordgame.http;

import io.vertx.core.MultiMap;
import io.vertx.core.net.SocketAddress;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.List;
import java.util.Optional;

/**
 * Who may call {@code /admin/*}: clients on a loopback address that came straight to the server; everyone else
 * (other addresses, and any request carrying a forwarding header: a proxy on this host connects from loopback on
 * behalf of clients anywhere) only with the configured token in {@code Authorization: Bearer <token>}. The values
 * of forwarding headers are never trusted, only their presence counts.
 */
final class AdminGuard {
    /** Headers a proxy adds to a request it forwards (RFC 7239, the de-facto X-Forwarded-*, RFC 9110 Via). */
    static final List<String> FORWARDING_HEADERS =
            List.of("Forwarded", "X-Forwarded-For", "X-Forwarded-Host", "X-Forwarded-Proto", "X-Real-IP", "Via");

    private final Optional<byte[]> token;

    AdminGuard(Optional<String> token) {
        this.token = token.map(t -> t.getBytes(StandardCharsets.UTF_8));
    }

    /** {@code headers} is the request's (case-insensitive) header map. */
    boolean allows(SocketAddress remote, MultiMap headers) {
        if (isLoopback(remote) && !forwarded(headers)) {
            return true;
        }
        String authorization = headers.get("Authorization");
        if (token.isEmpty() || authorization == null || !authorization.startsWith("Bearer ")) {
            return false;
        }
        byte[] given = authorization.substring("Bearer ".length()).strip().getBytes(StandardCharsets.UTF_8);
        return MessageDigest.isEqual(given, token.get());
    }

    /** True when the request came through a proxy (it carries a forwarding header). */
    static boolean forwarded(MultiMap headers) {
        for (String name : FORWARDING_HEADERS) {
            if (headers.contains(name)) {
                return true;
            }
        }
        return false;
    }

    static boolean isLoopback(SocketAddress remote) {
        if (remote == null || remote.hostAddress() == null) {
            return false;
        }
        try {
            return InetAddress.getByName(remote.hostAddress()).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }
}
