package dev.faultline.chaos.backend;

import dev.faultline.chaos.ChaosServer;
import eu.rekawek.toxiproxy.ToxiproxyClient;

/** The Toxiproxy-compatible server in this JVM, on a free loopback port. */
final class EmbeddedBackend implements FaultBackend {
    private final ChaosServer server = ChaosServer.start("127.0.0.1", 0);

    @Override
    public String kind() {
        return "embedded";
    }

    @Override
    public String apiUrl() {
        return server.url();
    }

    @Override
    public String proxyHost() {
        return "127.0.0.1";
    }

    @Override
    public ToxiproxyClient client() {
        return new ToxiproxyClient("127.0.0.1", server.port());
    }

    @Override
    public void close() {
        server.close();
    }
}
