package dev.faultline.chaos.backend;

import eu.rekawek.toxiproxy.ToxiproxyClient;

/**
 * Where network faults come from for a run: a Toxiproxy API, always driven through the official Toxiproxy Java
 * client. {@link #open(String)} picks one from a spec: {@code embedded} (default), {@code external:<url>},
 * {@code container[:<image>]}.
 */
public interface FaultBackend extends AutoCloseable {
    /** {@code embedded}, {@code external} or {@code container}. */
    String kind();

    /** The API's base URL. */
    String apiUrl();

    /** The host on which proxies are reachable from this machine (loopback for embedded and external). */
    String proxyHost();

    /** The official client, pointed at the API. */
    ToxiproxyClient client();

    @Override
    void close();

    /** Opens the backend a spec names; the message of a failure says what to change. */
    static FaultBackend open(String spec) {
        String s = spec == null || spec.isBlank() ? "embedded" : spec.strip();
        if (s.equals("embedded")) {
            return new EmbeddedBackend();
        }
        if (s.startsWith("external:")) {
            return new ExternalBackend(s.substring("external:".length()));
        }
        if (s.equals("container") || s.startsWith("container:")) {
            return ContainerBackend.start(s.equals("container") ? ContainerBackend.DEFAULT_IMAGE
                    : s.substring("container:".length()));
        }
        throw new IllegalArgumentException("fault backend \"" + spec
                + "\" is not one of embedded, external:<url>, container[:<image>]");
    }
}
