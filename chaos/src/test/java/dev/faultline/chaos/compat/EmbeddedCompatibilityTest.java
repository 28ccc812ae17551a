package dev.faultline.chaos.compat;

import dev.faultline.chaos.ChaosServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** The compatibility suite against the embedded server. */
class EmbeddedCompatibilityTest extends CompatibilitySuite {
    private static ChaosServer server;
    private static Target target;

    @BeforeAll
    static void start() {
        server = ChaosServer.start("127.0.0.1", 0);
        target = new Target() {
            @Override
            public String host() {
                return "127.0.0.1";
            }

            @Override
            public int port() {
                return server.port();
            }

            @Override
            public void close() {
                server.close();
            }
        };
    }

    @AfterAll
    static void stop() {
        target.close();
    }

    @Override
    Target target() {
        return target;
    }
}
