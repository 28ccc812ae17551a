package dev.faultline.wordgame.http;

import dev.faultline.wordgame.config.ServerConfig;
import dev.faultline.wordgame.game.WordList;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** A real server on a free loopback port, with a small HTTP client for the tests. */
final class TestServer implements AutoCloseable {
    private static final HttpClient CLIENT = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    final WordgameServer server;
    final int port;

    private TestServer(WordgameServer server) {
        this.server = server;
        this.port = server.start();
    }

    /** Starts with the given flags on top of {@code --host 127.0.0.1 --port 0 --access-log=false}. */
    static TestServer start(String... flags) {
        List<String> args = new ArrayList<>(List.of("--host", "127.0.0.1", "--port", "0", "--access-log=false"));
        args.addAll(List.of(flags));
        ServerConfig config = ServerConfig.parse(ServerConfig.flags().parse(args.toArray(String[]::new), Map.of()));
        WordList words = config.wordsFile().map(WordList::fromFile).orElseGet(WordList::bundled);
        return new TestServer(new WordgameServer(config, words, System::nanoTime));
    }

    URI uri(String path) {
        return URI.create("http://127.0.0.1:" + port + path);
    }

    HttpResponse<String> get(String path, String... headers) {
        return send(request(path, headers).GET().build());
    }

    HttpResponse<String> post(String path, String body, String... headers) {
        return send(request(path, headers).POST(HttpRequest.BodyPublishers.ofString(body)).build());
    }

    HttpResponse<String> method(String method, String path, String body, String... headers) {
        HttpRequest.BodyPublisher publisher = body == null
                ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body);
        return send(request(path, headers).method(method, publisher).build());
    }

    HttpRequest.Builder request(String path, String... headers) {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(30));
        if (headers.length > 0) {
            b.headers(headers);
        }
        return b;
    }

    static HttpResponse<String> send(HttpRequest request) {
        try {
            return CLIENT.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    static HttpClient client() {
        return CLIENT;
    }

    @Override
    public void close() {
        server.close();
    }
}
