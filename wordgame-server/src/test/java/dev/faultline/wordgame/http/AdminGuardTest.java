package dev.faultline.wordgame.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.net.SocketAddress;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class AdminGuardTest {
    private static final SocketAddress REMOTE = SocketAddress.inetSocketAddress(40000, "10.1.2.3");

    @Test
    void loopbackClientsAreAllowedWithoutAToken() {
        AdminGuard guard = new AdminGuard(Optional.empty());
        assertThat(guard.allows(SocketAddress.inetSocketAddress(1, "127.0.0.1"), null)).isTrue();
        assertThat(guard.allows(SocketAddress.inetSocketAddress(1, "127.8.9.10"), null)).isTrue();
        assertThat(guard.allows(SocketAddress.inetSocketAddress(1, "0:0:0:0:0:0:0:1"), null)).isTrue();
    }

    @Test
    void remoteClientsAreRefusedWhenNoTokenIsConfigured() {
        AdminGuard guard = new AdminGuard(Optional.empty());
        assertThat(guard.allows(REMOTE, null)).isFalse();
        assertThat(guard.allows(REMOTE, "Bearer anything")).isFalse();
    }

    @Test
    void remoteClientsNeedTheExactToken() {
        AdminGuard guard = new AdminGuard(Optional.of("s3cret"));
        assertThat(guard.allows(REMOTE, "Bearer s3cret")).isTrue();
        assertThat(guard.allows(REMOTE, "Bearer s3cre")).isFalse();
        assertThat(guard.allows(REMOTE, "Basic s3cret")).isFalse();
        assertThat(guard.allows(REMOTE, null)).isFalse();
    }

    @Test
    void unknownAddressesAreNotLoopback() {
        assertThat(AdminGuard.isLoopback(null)).isFalse();
        assertThat(AdminGuard.isLoopback(SocketAddress.inetSocketAddress(1, "192.168.0.1"))).isFalse();
    }
}
