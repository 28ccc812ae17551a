package dev.faultline.chaos.backend;

import eu.rekawek.toxiproxy.ToxiproxyClient;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.ToxiproxyContainer;
import org.testcontainers.utility.DockerImageName;

/** The real Toxiproxy in a container through Testcontainers; needs a reachable Docker engine. */
final class ContainerBackend implements FaultBackend {
    static final String DEFAULT_IMAGE = "ghcr.io/shopify/toxiproxy:2.12.0";

    private final ToxiproxyContainer container;

    private ContainerBackend(ToxiproxyContainer container) {
        this.container = container;
    }

    /** Whether a Docker engine answers (about 0.2 s when none does). */
    static boolean dockerAvailable() {
        try {
            return DockerClientFactory.instance().isDockerAvailable();
        } catch (RuntimeException e) {
            return false;
        }
    }

    static ContainerBackend start(String image) {
        if (!dockerAvailable()) {
            throw new IllegalStateException("the container fault backend needs a Docker engine and none is reachable;"
                    + " use the embedded backend or external:<url>");
        }
        ToxiproxyContainer c = new ToxiproxyContainer(DockerImageName.parse(image)
                .asCompatibleSubstituteFor("ghcr.io/shopify/toxiproxy"));
        c.start();
        return new ContainerBackend(c);
    }

    @Override
    public String kind() {
        return "container";
    }

    @Override
    public String apiUrl() {
        return "http://" + container.getHost() + ":" + container.getControlPort();
    }

    @Override
    public String proxyHost() {
        return container.getHost();
    }

    @Override
    public ToxiproxyClient client() {
        return new ToxiproxyClient(container.getHost(), container.getControlPort());
    }

    @Override
    public void close() {
        container.stop();
    }
}
