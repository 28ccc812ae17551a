package dev.faultline.wordgame.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.MultiMap;
import io.vertx.core.net.SocketAddress;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class AdminGuardTest {
    private static final SocketAddress REMOTE = SocketAddress.inetSocketAddress(40000, "10.1.2.3");
    private static final SocketAddress LOOPBACK = SocketAddress.inetSocketAddress(40000, "127.0.0.1");

    private static MultiMap headers(String... namesAndValues) {
        MultiMap m = MultiMap.caseInsensitiveMultiMap();
        for (int i = 0; i < namesAndValues.length; i += 2) {
            m.add(namesAndValues[i], namesAndValues[i + 1]);
        }
        return m;
    }

    @Test
    void loopbackClientsAreAllowedWithoutAToken() {
        AdminGuard guard = new AdminGuard(Optional.empty());
        assertThat(guard.allows(SocketAddress.inetSocketAddress(1, "127.0.0.1"), headers())).isTrue();
        assertThat(guard.allows(SocketAddress.inetSocketAddress(1, "127.8.9.10"), headers())).isTrue();
        assertThat(guard.allows(SocketAddress.inetSocketAddress(1, "0:0:0:0:0:0:0:1"), headers())).isTrue();
    }

    @Test
    void remoteClientsAreRefusedWhenNoTokenIsConfigured() {
        AdminGuard guard = new AdminGuard(Optional.empty());
        assertThat(guard.allows(REMOTE, headers())).isFalse();
        assertThat(guard.allows(REMOTE, headers("Authorization", "Bearer anything"))).isFalse();
    }

    @Test
    void remoteClientsNeedTheExactToken() {
        AdminGuard guard = new AdminGuard(Optional.of("s3cret"));
        assertThat(guard.allows(REMOTE, headers("Authorization", "Bearer s3cret"))).isTrue();
        assertThat(guard.allows(REMOTE, headers("Authorization", "Bearer s3cre"))).isFalse();
        assertThat(guard.allows(REMOTE, headers("Authorization", "Basic s3cret"))).isFalse();
        assertThat(guard.allows(REMOTE, headers())).isFalse();
    }

    /** A proxy on this host connects from loopback for clients anywhere: its requests count as remote. */
    @Test
    void aLoopbackPeerWithAForwardingHeaderIsRemote() {
        AdminGuard open = new AdminGuard(Optional.empty());
        AdminGuard withToken = new AdminGuard(Optional.of("s3cret"));
        String[][] forwarded = {
            {"X-Forwarded-For", "203.0.113.9"}, {"x-forwarded-for", "127.0.0.1"}, {"Forwarded", "for=203.0.113.9"},
            {"FORWARDED", "for=\"[::1]\""}, {"Via", "1.1 proxy"}, {"X-Forwarded-Host", "example.com"},
            {"X-Forwarded-Proto", "http"}, {"X-Real-IP", "127.0.0.1"}, {"X-Forwarded-For", ""},
        };
        for (String[] h : forwarded) {
            assertThat(open.allows(LOOPBACK, headers(h[0], h[1]))).as(h[0]).isFalse();
            assertThat(withToken.allows(LOOPBACK, headers(h[0], h[1]))).as(h[0]).isFalse();
            assertThat(withToken.allows(LOOPBACK, headers(h[0], h[1], "Authorization", "Bearer s3cret")))
                    .as(h[0] + " with the token").isTrue();
            assertThat(AdminGuard.forwarded(headers(h[0], h[1]))).isTrue();
        }
        assertThat(open.allows(LOOPBACK, headers("X-Request-Id", "x", "User-Agent", "curl"))).isTrue();
        assertThat(AdminGuard.forwarded(headers("X-Forwarded", "x"))).isFalse();
    }

    @Test
    void unknownAddressesAreNotLoopback() {
        assertThat(AdminGuard.isLoopback(null)).isFalse();
        assertThat(AdminGuard.isLoopback(SocketAddress.inetSocketAddress(1, "192.168.0.1"))).isFalse();
    }
}
