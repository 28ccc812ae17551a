package dev.faultline.wordgame.http;

import io.vertx.core.http.HttpMethod;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/** The route table: each known path with the methods it answers. HEAD is accepted wherever GET is. */
enum Route {
    NEW("/new", Set.of(HttpMethod.POST)),
    GUESS("/guess", Set.of(HttpMethod.POST)),
    HEALTH("/health", Set.of(HttpMethod.GET, HttpMethod.HEAD)),
    READY("/ready", Set.of(HttpMethod.GET, HttpMethod.HEAD)),
    METRICS("/metrics", Set.of(HttpMethod.GET, HttpMethod.HEAD)),
    STATUS("/status", Set.of(HttpMethod.GET, HttpMethod.HEAD)),
    ADMIN_STATUS("/admin/status", Set.of(HttpMethod.GET, HttpMethod.PUT, HttpMethod.DELETE)),
    ADMIN_FAULTS("/admin/faults", Set.of(HttpMethod.GET, HttpMethod.PUT, HttpMethod.DELETE));

    /** Metric and span label for requests that match no route (keeps label cardinality bounded). */
    static final String UNMATCHED = "unmatched";
    private static final Map<String, Route> BY_PATH =
            Stream.of(values()).collect(Collectors.toUnmodifiableMap(r -> r.path, Function.identity()));

    final String path;
    final Set<HttpMethod> methods;
    final String allow;

    Route(String path, Set<HttpMethod> methods) {
        this.path = path;
        this.methods = methods;
        this.allow = Stream.of(HttpMethod.GET, HttpMethod.HEAD, HttpMethod.POST, HttpMethod.PUT, HttpMethod.DELETE)
                .filter(methods::contains).map(HttpMethod::name).collect(Collectors.joining(", ")) + ", OPTIONS";
    }

    static Route match(String path) {
        return BY_PATH.get(path);
    }

    boolean admin() {
        return this == ADMIN_STATUS || this == ADMIN_FAULTS;
    }

    boolean game() {
        return this == NEW || this == GUESS;
    }

    /** The routes one listener serves: all of them, all but the admin API (it has its own port), or only it. */
    enum Scope {
        ALL, PUBLIC, ADMIN;

        boolean serves(Route route) {
            return switch (this) {
                case ALL -> true;
                case PUBLIC -> !route.admin();
                case ADMIN -> route.admin();
            };
        }
    }
}
