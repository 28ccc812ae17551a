package dev.faultline.chaos.backend;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.faultline.chaos.ChaosServer;
import eu.rekawek.toxiproxy.Proxy;
import eu.rekawek.toxiproxy.model.ToxicDirection;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

class FaultBackendTest {
    @Test
    void embeddedIsTheDefaultAndDrivenByTheOfficialClient() throws Exception {
        try (FaultBackend b = FaultBackend.open(null)) {
            assertThat(b.kind()).isEqualTo("embedded");
            assertThat(b.apiUrl()).startsWith("http://127.0.0.1:");
            Proxy p = b.client().createProxy("edge", "127.0.0.1:0", "127.0.0.1:1");
            p.toxics().latency("lat", ToxicDirection.DOWNSTREAM, 5);
            assertThat(b.client().getProxy("edge").toxics().getAll()).hasSize(1);
        }
    }

    @Test
    void externalTalksToARunningServerAndLeavesItRunning() throws Exception {
        try (ChaosServer running = ChaosServer.start("127.0.0.1", 0)) {
            try (FaultBackend b = FaultBackend.open("external:" + running.url())) {
                assertThat(b.kind()).isEqualTo("external");
                b.client().createProxy("x", "127.0.0.1:0", "127.0.0.1:1");
            }
            assertThat(running.registry().get("x").name()).isEqualTo("x");
        }
    }

    @Test
    void externalThatDoesNotAnswerIsAClearError() {
        assertThatThrownBy(() -> FaultBackend.open("external:http://127.0.0.1:1"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageStartingWith("external fault backend at http://127.0.0.1:1 does not answer");
        assertThatThrownBy(() -> FaultBackend.open("external:localhost"))
                .hasMessage("external fault backend: \"localhost\" is not an http://host:port URL");
        assertThatThrownBy(() -> FaultBackend.open("docker"))
                .hasMessage("fault backend \"docker\" is not one of embedded, external:<url>, container[:<image>]");
    }

    @Test
    void containerNeedsDocker() throws Exception {
        if (!ContainerBackend.dockerAvailable()) {
            assertThatThrownBy(() -> FaultBackend.open("container"))
                    .hasMessageContaining("needs a Docker engine");
            String reason = "no Docker engine: the Testcontainers ToxiproxyContainer backend cannot start here";
            System.out.println("SKIPPED: " + reason);
            Assumptions.abort(reason);
        }
        try (FaultBackend b = FaultBackend.open("container")) {
            assertThat(b.client().version()).contains("version");
        }
    }
}
