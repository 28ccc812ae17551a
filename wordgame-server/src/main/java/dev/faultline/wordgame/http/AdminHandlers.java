package dev.faultline.wordgame.http;

import io.vertx.core.http.HttpMethod;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** {@code /admin/status} and {@code /admin/faults}: read, set, reset. */
final class AdminHandlers {
    private static final Logger LOG = LoggerFactory.getLogger(AdminHandlers.class);

    private final StatusResponse status;
    private final FaultInjector faults;

    AdminHandlers(StatusResponse status, FaultInjector faults) {
        this.status = status;
        this.faults = faults;
    }

    void status(Exchange ex) {
        HttpMethod m = ex.request.method();
        if (m == HttpMethod.PUT) {
            StatusResponse.Setting s = StatusResponse.Setting.fromJson(JsonBodies.object(ex.body));
            status.set(s);
            LOG.atInfo().addKeyValue("code", s.code()).addKeyValue("delay_ms", s.delayMs())
                    .log("status response changed");
        } else if (m == HttpMethod.DELETE) {
            status.reset();
            LOG.info("status response reset to default");
        }
        ex.json(200, status.current().toJson().encode());
    }

    void faults(Exchange ex) {
        HttpMethod m = ex.request.method();
        if (m == HttpMethod.PUT) {
            FaultInjector.Faults f = FaultInjector.Faults.fromJson(JsonBodies.object(ex.body));
            faults.set(f);
            LOG.atInfo().addKeyValue("faults", f.toJson().encode()).log("HTTP faults set");
        } else if (m == HttpMethod.DELETE) {
            faults.clear();
            LOG.info("HTTP faults cleared");
        }
        ex.json(200, faults.current().toJson().encode());
    }
}
