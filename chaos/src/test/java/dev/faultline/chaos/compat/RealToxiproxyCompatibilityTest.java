package dev.faultline.chaos.compat;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** The same compatibility suite against the real toxiproxy-server (v2.12), the reference. */
class RealToxiproxyCompatibilityTest extends CompatibilitySuite {
    private static RealToxiproxy target;

    @BeforeAll
    static void start() throws Exception {
        target = RealToxiproxy.startOrSkip();
    }

    @AfterAll
    static void stop() {
        if (target != null) {
            target.close();
        }
    }

    @Override
    Target target() {
        return target;
    }
}
