package dev.faultline.wordgame.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;

/** Who reaches /admin/* over real HTTP: forwarding headers, the token, and the admin API's own listener. */
class AdminAccessTest {
    private static final String FAULTS = "{\"errorRate\":1.0,\"errorCode\":503}";

    private static double errorRate(TestServer s) {
        return new JsonObject(s.get("/admin/faults").body()).getDouble("errorRate");
    }

    /**
     * The exposure of issue 14: a proxy with a catch-all route connects from loopback, so a client anywhere could
     * change the faults. A request carrying a forwarding header is remote, whatever the peer address.
     */
    @Test
    void anAdminCallFromLoopbackThroughAProxyIs403WithoutTheToken() {
        try (TestServer s = TestServer.start()) {
            String[][] forwarded = {
                {"X-Forwarded-For", "203.0.113.9"}, {"Forwarded", "for=203.0.113.9;proto=http"},
                {"X-Real-IP", "203.0.113.9"}, {"x-forwarded-host", "public.example"},
            };
            for (String[] h : forwarded) {
                HttpResponse<String> r = s.method("PUT", "/admin/faults", FAULTS, h[0], h[1]);
                assertThat(r.statusCode()).as(h[0]).isEqualTo(403);
                assertThat(new JsonObject(r.body()).getString("error")).contains("proxy");
                assertThat(s.method("DELETE", "/admin/status", null, h[0], h[1]).statusCode()).isEqualTo(403);
                assertThat(s.get("/admin/faults", h[0], h[1]).statusCode()).isEqualTo(403);
            }
            assertThat(errorRate(s)).as("the faults were not changed").isZero();
            assertThat(s.post("/new", "", "X-Forwarded-For", "203.0.113.9").statusCode())
                    .as("the game API does not care").isEqualTo(200);
        }
    }

    @Test
    void aForwardedAdminCallWithTheTokenIsAllowed() {
        try (TestServer s = TestServer.start("--admin-token", "s3cret")) {
            assertThat(s.method("PUT", "/admin/faults", FAULTS, "X-Forwarded-For", "203.0.113.9").statusCode())
                    .isEqualTo(403);
            assertThat(s.method("PUT", "/admin/faults", FAULTS, "X-Forwarded-For", "203.0.113.9",
                    "Authorization", "Bearer wrong").statusCode()).isEqualTo(403);
            assertThat(s.method("PUT", "/admin/faults", FAULTS, "X-Forwarded-For", "203.0.113.9",
                    "Authorization", "Bearer s3cret").statusCode()).isEqualTo(200);
            assertThat(errorRate(s)).isEqualTo(1.0);
            assertThat(s.method("DELETE", "/admin/faults", null).statusCode()).as("loopback, no proxy").isEqualTo(200);
        }
    }
}
