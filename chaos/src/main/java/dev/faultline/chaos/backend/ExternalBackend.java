package dev.faultline.chaos.backend;

import eu.rekawek.toxiproxy.ToxiproxyClient;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** A toxiproxy-server that is already running (for example from docker-compose.yml), reached by URL. */
final class ExternalBackend implements FaultBackend {
    private final URI uri;

    ExternalBackend(String url) {
        URI parsed;
        try {
            parsed = URI.create(url.strip());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("external fault backend: \"" + url + "\" is not a URL");
        }
        if (!"http".equals(parsed.getScheme()) || parsed.getHost() == null || parsed.getPort() < 0) {
            throw new IllegalArgumentException("external fault backend: \"" + url
                    + "\" is not an http://host:port URL");
        }
        this.uri = parsed;
        try {
            HttpResponse<String> r = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build()
                    .send(HttpRequest.newBuilder(uri.resolve("/version")).timeout(Duration.ofSeconds(5))
                            .header("User-Agent", "faultline").build(), HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200 || !r.body().contains("version")) {
                throw new IllegalStateException("external fault backend at " + uri + " answered /version with "
                        + r.statusCode() + "; is it a toxiproxy-server?");
            }
        } catch (IOException e) {
            throw new IllegalStateException("external fault backend at " + uri + " does not answer: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while checking " + uri);
        }
    }

    @Override
    public String kind() {
        return "external";
    }

    @Override
    public String apiUrl() {
        return "http://" + uri.getHost() + ":" + uri.getPort();
    }

    @Override
    public String proxyHost() {
        return uri.getHost();
    }

    @Override
    public ToxiproxyClient client() {
        return new ToxiproxyClient(uri.getHost(), uri.getPort());
    }

    @Override
    public void close() {
        // not ours to stop
    }
}
