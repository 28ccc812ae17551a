package dev.faultline.chaos.compat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import eu.rekawek.toxiproxy.Proxy;
import eu.rekawek.toxiproxy.ToxiproxyClient;
import eu.rekawek.toxiproxy.model.ToxicDirection;
import java.io.IOException;
import java.io.InputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * One suite, two servers: every assertion here must hold for the real toxiproxy-server v2.12 and for the embedded
 * server alike. Written against the official Toxiproxy Java client, plus raw HTTP where status codes and error
 * bodies matter; toxic effects are measured on real sockets.
 */
abstract class CompatibilitySuite {
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    abstract Target target();

    ToxiproxyClient client() {
        return new ToxiproxyClient(target().host(), target().port());
    }

    @AfterEach
    void deleteEverything() throws IOException {
        for (Proxy p : client().getProxies()) {
            p.delete();
        }
    }

    record Reply(int status, String contentType, String body) {
    }

    Reply call(String method, String path, String body) throws Exception {
        return call(method, path, body, "faultline-compat");
    }

    Reply call(String method, String path, String body, String userAgent) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(target().url() + path))
                .timeout(Duration.ofSeconds(10)).header("User-Agent", userAgent)
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body));
        HttpResponse<String> r = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
        return new Reply(r.statusCode(), r.headers().firstValue("Content-Type").orElse(""), r.body());
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    // ---- proxies ------------------------------------------------------------------------------------------------

    @Test
    void versionIsJson() throws Exception {
        Reply r = call("GET", "/version", null);
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.body()).matches("\\{\"version\": \"[^\"]+\"}\\n");
        assertThat(client().version()).contains("version");
    }

    @Test
    void createReportsTheBoundPortAndShowsInListAndGet() throws Exception {
        Proxy p = client().createProxy("svc", "127.0.0.1:0", "127.0.0.1:6379");
        assertThat(p.getListen()).matches("127\\.0\\.0\\.1:[1-9][0-9]*");
        Reply one = call("GET", "/proxies/svc", null);
        assertThat(one.status()).isEqualTo(200);
        assertThat(one.contentType()).isEqualTo("application/json");
        assertThat(one.body()).isEqualTo("{\"name\":\"svc\",\"listen\":\"" + p.getListen()
                + "\",\"upstream\":\"127.0.0.1:6379\",\"enabled\":true,\"Logger\":{},\"toxics\":[]}");
        assertThat(call("GET", "/proxies", null).body()).isEqualTo("{\"svc\":" + one.body() + "}");
    }

    @Test
    void createAnswers201AndLocalhostIsNormalised() throws Exception {
        int port = freePort();
        Reply r = call("POST", "/proxies", "{\"name\":\"n\",\"listen\":\"localhost:" + port
                + "\",\"upstream\":\"localhost:6379\"}");
        assertThat(r.status()).isEqualTo(201);
        assertThat(r.body()).isEqualTo("{\"name\":\"n\",\"listen\":\"127.0.0.1:" + port
                + "\",\"upstream\":\"localhost:6379\",\"enabled\":true,\"Logger\":{},\"toxics\":[]}");
    }

    @Test
    void duplicateNameIs409() throws Exception {
        client().createProxy("dup", "127.0.0.1:0", "127.0.0.1:6379");
        Reply r = call("POST", "/proxies", "{\"name\":\"dup\",\"listen\":\"127.0.0.1:0\",\"upstream\":\"x:1\"}");
        assertThat(r.status()).isEqualTo(409);
        assertThat(r.contentType()).isEqualTo("text/plain; charset=utf-8");
        assertThat(r.body()).isEqualTo("{\"error\":\"proxy already exists\",\"status\":409}\n");
    }

    @Test
    void missingProxyIs404ForEveryVerb() throws Exception {
        String body = "{\"error\":\"proxy not found\",\"status\":404}\n";
        assertThat(call("GET", "/proxies/none", null)).isEqualTo(new Reply(404, "text/plain; charset=utf-8", body));
        assertThat(call("POST", "/proxies/none", "{\"enabled\":false}").body()).isEqualTo(body);
        assertThat(call("DELETE", "/proxies/none", null).body()).isEqualTo(body);
        assertThat(call("GET", "/proxies/none/toxics", null).body()).isEqualTo(body);
        assertThat(call("POST", "/proxies/none/toxics", "{\"type\":\"latency\"}").body()).isEqualTo(body);
    }

    @Test
    void missingFieldsAndMalformedBodiesAre400AndChangeNothing() throws Exception {
        assertThat(call("POST", "/proxies", "{\"listen\":\"127.0.0.1:0\",\"upstream\":\"x:1\"}").body())
                .isEqualTo("{\"error\":\"missing required field: name\",\"status\":400}\n");
        assertThat(call("POST", "/proxies", "{\"name\":\"x\",\"listen\":\"127.0.0.1:0\"}").body())
                .isEqualTo("{\"error\":\"missing required field: upstream\",\"status\":400}\n");
        Reply malformed = call("POST", "/proxies", "{\"name\":");
        assertThat(malformed.status()).isEqualTo(400);
        assertThat(malformed.body()).startsWith("{\"error\":\"bad request body: ");
        assertThat(call("POST", "/proxies", "").body()).isEqualTo("{\"error\":\"bad request body: EOF\",\"status\":400}\n");
        Reply wrongType = call("POST", "/proxies", "{\"name\":5,\"upstream\":\"x:1\"}");
        assertThat(wrongType.status()).isEqualTo(400);
        assertThat(wrongType.body()).contains("cannot unmarshal number into Go struct field");
        assertThat(call("GET", "/proxies", null).body()).isEqualTo("{}");
    }

    @Test
    void listenPortInUseIs500AndAddsNothing() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            Reply r = call("POST", "/proxies", "{\"name\":\"busy\",\"listen\":\"127.0.0.1:" + taken.getLocalPort()
                    + "\",\"upstream\":\"x:1\"}");
            assertThat(r.status()).isEqualTo(500);
            assertThat(r.body()).startsWith("{\"error\":\"listen tcp 127.0.0.1:" + taken.getLocalPort() + ": ")
                    .contains("address already in use").endsWith(",\"status\":500}\n");
        }
        assertThat(call("GET", "/proxies", null).body()).isEqualTo("{}");
    }

    /** Go names the resolved address in a bind error, not the host as given (issue 14, item 12). */
    @Test
    void bindErrorsNameTheResolvedAddress() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
            int port = taken.getLocalPort();
            String[][] cases = {
                {"localhost:" + port, "127.0.0.1:" + port},
                {":" + port, ":" + port},
                {"0.0.0.0:" + port, "0.0.0.0:" + port},
                {"[::]:" + port, "0.0.0.0:" + port},
            };
            for (String[] c : cases) {
                assertThat(call("POST", "/proxies", "{\"name\":\"busy\",\"listen\":\"" + c[0] + "\",\"upstream\":\"x:1\"}"))
                        .as(c[0]).isEqualTo(new Reply(500, "text/plain; charset=utf-8", "{\"error\":\"listen tcp " + c[1]
                                + ": bind: address already in use\",\"status\":500}\n"));
            }
        }
        assertThat(call("GET", "/proxies", null).body()).isEqualTo("{}");
    }

    @Test
    void missingListenBindsAnEphemeralPort() throws Exception {
        Reply r = call("POST", "/proxies", "{\"name\":\"nolisten\",\"upstream\":\"127.0.0.1:6379\"}");
        assertThat(r.status()).isEqualTo(201);
        assertThat(r.body()).matches(".*\"listen\":\"\\[::]:[1-9][0-9]*\".*");
    }

    @Test
    void disablingClosesTheListenerAndEnablingReopensIt() throws Exception {
        try (Sockets.Upstream echo = Sockets.echo()) {
            Proxy p = client().createProxy("onoff", "127.0.0.1:0", echo.address());
            try (Socket s = Sockets.connect(p.getListen())) {
                assertThat(Sockets.roundTripMs(s, 10)).isLessThan(1000);
            }
            p.disable();
            assertThat(client().getProxy("onoff").isEnabled()).isFalse();
            assertThatThrownBy(() -> Sockets.connect(p.getListen())).isInstanceOf(java.net.ConnectException.class);
            p.enable();
            try (Socket s = Sockets.connect(p.getListen())) {
                assertThat(Sockets.roundTripMs(s, 10)).isLessThan(1000);
            }
        }
    }

    @Test
    void updateChangesUpstreamAndIgnoresName() throws Exception {
        client().createProxy("upd", "127.0.0.1:0", "127.0.0.1:6379");
        Reply r = call("PATCH", "/proxies/upd", "{\"upstream\":\"127.0.0.1:6380\",\"name\":\"other\"}");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.body()).contains("\"name\":\"upd\"", "\"upstream\":\"127.0.0.1:6380\"");
        assertThat(call("GET", "/proxies/other", null).status()).isEqualTo(404);
    }

    @Test
    void deleteIs204ThenGone() throws Exception {
        client().createProxy("del", "127.0.0.1:0", "127.0.0.1:6379");
        assertThat(call("DELETE", "/proxies/del", null)).isEqualTo(new Reply(204, "", ""));
        assertThat(call("DELETE", "/proxies/del", null).status()).isEqualTo(404);
    }

    // ---- populate and reset -------------------------------------------------------------------------------------

    @Test
    void populateCreatesReplacesAndKeepsIdenticalProxies() throws Exception {
        int a = freePort();
        int b = freePort();
        Proxy keep = client().createProxy("keep", "127.0.0.1:" + a, "127.0.0.1:6379");
        keep.toxics().latency("lat", ToxicDirection.DOWNSTREAM, 10);
        Proxy change = client().createProxy("change", "127.0.0.1:0", "127.0.0.1:6379");
        change.toxics().latency("lat", ToxicDirection.DOWNSTREAM, 10);
        Reply r = call("POST", "/populate", "[{\"name\":\"keep\",\"listen\":\"127.0.0.1:" + a
                + "\",\"upstream\":\"127.0.0.1:6379\"},{\"name\":\"change\",\"listen\":\"127.0.0.1:0\",\"upstream\":"
                + "\"127.0.0.1:6380\"},{\"name\":\"fresh\",\"listen\":\"127.0.0.1:" + b
                + "\",\"upstream\":\"127.0.0.1:6379\",\"enabled\":false}]");
        assertThat(r.status()).isEqualTo(201);
        assertThat(r.contentType()).isEqualTo("application/json");
        assertThat(r.body()).startsWith("{\"proxies\":[{\"name\":\"keep\"");
        assertThat(client().getProxy("keep").toxics().getAll()).hasSize(1);
        assertThat(client().getProxy("change").toxics().getAll()).isEmpty();
        assertThat(client().getProxy("change").getUpstream()).isEqualTo("127.0.0.1:6380");
        assertThat(client().getProxy("fresh").isEnabled()).isFalse();
    }

    @Test
    void populateErrorsAreJsonWithTheProxiesDoneSoFar() throws Exception {
        Reply notArray = call("POST", "/populate", "{\"name\":\"x\"}");
        assertThat(notArray.status()).isEqualTo(400);
        assertThat(notArray.contentType()).isEqualTo("application/json");
        assertThat(notArray.body()).startsWith("{\"error\":\"bad request body: json: cannot unmarshal object into Go value of type []struct")
                .endsWith("\"status\":400,\"proxies\":null}");
        assertThat(call("POST", "/populate", "[{\"listen\":\"127.0.0.1:0\",\"upstream\":\"x:1\"}]").body())
                .isEqualTo("{\"error\":\"missing required field: name at proxy 1\",\"status\":400,\"proxies\":null}");
        assertThat(call("POST", "/populate", "[]")).isEqualTo(new Reply(201, "application/json", "{\"proxies\":null}"));
        try (ServerSocket taken = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            Reply partial = call("POST", "/populate", "[{\"name\":\"ok\",\"listen\":\"127.0.0.1:0\",\"upstream\":\"x:1\"},"
                    + "{\"name\":\"bad\",\"listen\":\"127.0.0.1:" + taken.getLocalPort() + "\",\"upstream\":\"x:1\"}]");
            assertThat(partial.status()).isEqualTo(500);
            assertThat(partial.body()).contains("address already in use", "\"status\":500,\"proxies\":[{\"name\":\"ok\"");
        }
        assertThat(call("GET", "/proxies/bad", null).status()).isEqualTo(404);
    }

    @Test
    void resetRemovesToxicsAndReenablesButDeletesNothing() throws Exception {
        Proxy p = client().createProxy("r", "127.0.0.1:0", "127.0.0.1:6379");
        p.toxics().latency("lat", ToxicDirection.DOWNSTREAM, 10);
        p.disable();
        assertThat(call("POST", "/reset", null)).isEqualTo(new Reply(204, "", ""));
        Proxy after = client().getProxy("r");
        assertThat(after.isEnabled()).isTrue();
        assertThat(after.toxics().getAll()).isEmpty();
    }

    // ---- toxics -------------------------------------------------------------------------------------------------

    @Test
    void toxicDefaultsAndStatusCodes() throws Exception {
        client().createProxy("t", "127.0.0.1:0", "127.0.0.1:6379");
        Reply created = call("POST", "/proxies/t/toxics", "{\"type\":\"latency\",\"attributes\":{\"latency\":100}}");
        assertThat(created).isEqualTo(new Reply(200, "application/json", "{\"attributes\":{\"latency\":100,\"jitter\":0},"
                + "\"name\":\"latency_downstream\",\"type\":\"latency\",\"stream\":\"downstream\",\"toxicity\":1}"));
        assertThat(call("POST", "/proxies/t/toxics", "{\"type\":\"latency\"}").body())
                .isEqualTo("{\"error\":\"toxic already exists\",\"status\":409}\n");
        assertThat(call("POST", "/proxies/t/toxics", "{\"type\":\"nope\"}").body())
                .isEqualTo("{\"error\":\"invalid toxic type\",\"status\":400}\n");
        assertThat(call("POST", "/proxies/t/toxics", "{\"attributes\":{}}").body())
                .isEqualTo("{\"error\":\"invalid toxic type\",\"status\":400}\n");
        assertThat(call("POST", "/proxies/t/toxics", "{\"type\":\"latency\",\"stream\":\"sideways\"}").body())
                .isEqualTo("{\"error\":\"stream was invalid, can be either upstream or downstream\",\"status\":400}\n");
        assertThat(call("POST", "/proxies/t/toxics", "{\"name\":\"s\",\"type\":\"latency\",\"attributes\":{\"latency\":\"abc\"}}").body())
                .isEqualTo("{\"error\":\"bad request body: json: cannot unmarshal string into Go struct field "
                        + "LatencyToxic.attributes.latency of type int64\",\"status\":400}\n");
        assertThat(call("GET", "/proxies/t/toxics/nope", null).body())
                .isEqualTo("{\"error\":\"toxic not found\",\"status\":404}\n");
        assertThat(call("DELETE", "/proxies/t/toxics/latency_downstream", null).status()).isEqualTo(204);
        assertThat(call("DELETE", "/proxies/t/toxics/latency_downstream", null).status()).isEqualTo(404);
        assertThat(call("GET", "/proxies/t/toxics", null).body()).isEqualTo("[]");
    }

    @Test
    void everyToxicTypeIsAcceptedWithItsAttributesInOrder() throws Exception {
        client().createProxy("all", "127.0.0.1:0", "127.0.0.1:6379");
        String[][] cases = {
            {"{\"type\":\"bandwidth\"}", "{\"attributes\":{\"rate\":0},\"name\":\"bandwidth_downstream\",\"type\":\"bandwidth\",\"stream\":\"downstream\",\"toxicity\":1}"},
            {"{\"type\":\"slow_close\",\"attributes\":{\"delay\":100}}", "{\"attributes\":{\"delay\":100},\"name\":\"slow_close_downstream\",\"type\":\"slow_close\",\"stream\":\"downstream\",\"toxicity\":1}"},
            {"{\"type\":\"timeout\",\"toxicity\":0,\"attributes\":{\"timeout\":0}}", "{\"attributes\":{\"timeout\":0},\"name\":\"timeout_downstream\",\"type\":\"timeout\",\"stream\":\"downstream\",\"toxicity\":0}"},
            {"{\"type\":\"reset_peer\",\"stream\":\"upstream\",\"attributes\":{\"timeout\":0}}", "{\"attributes\":{\"timeout\":0},\"name\":\"reset_peer_upstream\",\"type\":\"reset_peer\",\"stream\":\"upstream\",\"toxicity\":1}"},
            {"{\"type\":\"slicer\",\"attributes\":{\"average_size\":64,\"size_variation\":32,\"delay\":10}}", "{\"attributes\":{\"average_size\":64,\"size_variation\":32,\"delay\":10},\"name\":\"slicer_downstream\",\"type\":\"slicer\",\"stream\":\"downstream\",\"toxicity\":1}"},
            {"{\"type\":\"limit_data\",\"attributes\":{\"bytes\":5}}", "{\"attributes\":{\"bytes\":5},\"name\":\"limit_data_downstream\",\"type\":\"limit_data\",\"stream\":\"downstream\",\"toxicity\":1}"},
            {"{\"name\":\"upper\",\"type\":\"latency\",\"stream\":\"UPSTREAM\",\"toxicity\":0.5,\"attributes\":{\"latency\":1,\"unknown\":7}}", "{\"attributes\":{\"latency\":1,\"jitter\":0},\"name\":\"upper\",\"type\":\"latency\",\"stream\":\"UPSTREAM\",\"toxicity\":0.5}"},
        };
        for (String[] c : cases) {
            Reply r = call("POST", "/proxies/all/toxics", c[0]);
            assertThat(r.status()).as(c[0]).isEqualTo(200);
            assertThat(r.body()).as(c[0]).isEqualTo(c[1]);
        }
        String list = call("GET", "/proxies/all/toxics", null).body();
        assertThat(list.indexOf("reset_peer_upstream")).as("upstream toxics listed first").isLessThan(list.indexOf("bandwidth_downstream"));
        assertThat(list.indexOf("\"upper\"")).isLessThan(list.indexOf("bandwidth_downstream"));
    }

    @Test
    void attributesAreInt64sWithoutRangeChecksAndToxicityIsAnyFloat() throws Exception {
        client().createProxy("edge", "127.0.0.1:0", "127.0.0.1:6379");
        assertThat(call("POST", "/proxies/edge/toxics", "{\"name\":\"neg\",\"type\":\"latency\",\"attributes\":{\"latency\":-5}}"))
                .isEqualTo(new Reply(200, "application/json", "{\"attributes\":{\"latency\":-5,\"jitter\":0},"
                        + "\"name\":\"neg\",\"type\":\"latency\",\"stream\":\"downstream\",\"toxicity\":1}"));
        assertThat(call("POST", "/proxies/edge/toxics", "{\"name\":\"f\",\"type\":\"latency\",\"attributes\":{\"latency\":1.5}}").body())
                .isEqualTo("{\"error\":\"bad request body: json: cannot unmarshal number 1.5 into Go struct field "
                        + "LatencyToxic.attributes.latency of type int64\",\"status\":400}\n");
        assertThat(call("POST", "/proxies/edge/toxics", "{\"name\":\"t\",\"type\":\"latency\",\"toxicity\":2}").body())
                .endsWith("\"toxicity\":2}");
        assertThat(call("POST", "/proxies/edge/toxics", "{\"name\":\"s\",\"type\":\"latency\",\"stream\":5}").body())
                .isEqualTo("{\"error\":\"bad request body: json: cannot unmarshal number into Go struct field "
                        + "ToxicWrapper.stream of type string\",\"status\":400}\n");
        assertThat(call("POST", "/proxies/edge/toxics", "[1]").status()).isEqualTo(400);
        assertThat(call("GET", "/proxies/edge/toxics", null).body()).contains("\"neg\"", "\"t\"").doesNotContain("\"f\"");
    }

    @Test
    void unusableListenAddressesAre500WithGoWording() throws Exception {
        assertThat(call("POST", "/proxies", "{\"name\":\"b\",\"listen\":\"nonsense\",\"upstream\":\"x:1\"}").body())
                .isEqualTo("{\"error\":\"listen tcp: address nonsense: missing port in address\",\"status\":500}\n");
        assertThat(call("POST", "/proxies", "{\"name\":\"b\",\"listen\":\"127.0.0.1:99999\",\"upstream\":\"x:1\"}").body())
                .isEqualTo("{\"error\":\"listen tcp: address 99999: invalid port\",\"status\":500}\n");
        assertThat(call("PATCH", "/proxies/b", "{\"enabled\":\"yes\"}").status()).isEqualTo(404);
        client().createProxy("b", "127.0.0.1:0", "x:1");
        assertThat(call("PATCH", "/proxies/b", "{\"enabled\":\"yes\"}").body())
                .isEqualTo("{\"error\":\"bad request body: json: cannot unmarshal string into Go struct field "
                        + "Proxy.enabled of type bool\",\"status\":400}\n");
        assertThat(call("GET", "/proxies", null).body()).startsWith("{\"b\":").contains("\"enabled\":true");
    }

    @Test
    void updatingAToxicChangesOnlyAttributesAndToxicity() throws Exception {
        client().createProxy("u", "127.0.0.1:0", "127.0.0.1:6379");
        call("POST", "/proxies/u/toxics", "{\"name\":\"l\",\"type\":\"latency\",\"attributes\":{\"latency\":100,\"jitter\":5}}");
        assertThat(call("POST", "/proxies/u/toxics/l", "{\"attributes\":{\"latency\":200},\"type\":\"timeout\",\"stream\":\"upstream\"}").body())
                .isEqualTo("{\"attributes\":{\"latency\":200,\"jitter\":5},\"name\":\"l\",\"type\":\"latency\",\"stream\":\"downstream\",\"toxicity\":1}");
        assertThat(call("PATCH", "/proxies/u/toxics/l", "{\"toxicity\":0.25}").body()).endsWith("\"toxicity\":0.25}");
        assertThat(call("POST", "/proxies/u/toxics/missing", "{}").status()).isEqualTo(404);
    }

    @Test
    void unknownRoutesWrongMethodsAndBrowsers() throws Exception {
        assertThat(call("GET", "/unknown", null)).isEqualTo(new Reply(404, "text/plain; charset=utf-8", "404 page not found\n"));
        assertThat(call("GET", "/proxies/", null).status()).isEqualTo(404);
        assertThat(call("PUT", "/proxies", "{}")).isEqualTo(new Reply(405, "", ""));
        assertThat(call("GET", "/version", null, "Mozilla/5.0")).isEqualTo(
                new Reply(403, "text/plain; charset=utf-8", "User agent not allowed\n"));
    }

    // ---- toxic effects on real sockets --------------------------------------------------------------------------

    @Test
    void latencyAddsItsDelayAtTheMedian() throws Exception {
        try (Sockets.Upstream echo = Sockets.echo()) {
            Proxy p = client().createProxy("lat", "127.0.0.1:0", echo.address());
            double base = medianRoundTrip(p);
            p.toxics().latency("lat", ToxicDirection.DOWNSTREAM, 100);
            double with = medianRoundTrip(p);
            assertThat(with - base).as("added p50 latency in ms").isCloseTo(100.0, within(2.0));
        }
    }

    private static double medianRoundTrip(Proxy p) throws IOException {
        try (Socket s = Sockets.connect(p.getListen())) {
            Sockets.roundTripMs(s, 100);
            double[] t = new double[15];
            for (int i = 0; i < t.length; i++) {
                t[i] = Sockets.roundTripMs(s, 100);
            }
            Arrays.sort(t);
            return t[t.length / 2];
        }
    }

    @Test
    void toxicityZeroHasNoEffect() throws Exception {
        try (Sockets.Upstream echo = Sockets.echo()) {
            Proxy p = client().createProxy("zero", "127.0.0.1:0", echo.address());
            p.toxics().latency("lat", ToxicDirection.DOWNSTREAM, 500).setToxicity(0);
            assertThat(medianRoundTrip(p)).isLessThan(100);
        }
    }

    @Test
    void bandwidthHoldsTheRateWithinTenPercent() throws Exception {
        int bytes = 200_000;
        try (Sockets.Upstream blaster = Sockets.blaster(bytes)) {
            Proxy p = client().createProxy("bw", "127.0.0.1:0", blaster.address());
            p.toxics().bandwidth("bw", ToxicDirection.DOWNSTREAM, 100); // 100 KB/s
            try (Socket s = Sockets.connect(p.getListen())) {
                long t0 = System.nanoTime();
                InputStream in = s.getInputStream();
                byte[] buf = new byte[8192];
                int total = 0;
                long firstByte = 0;
                int n;
                while ((n = in.read(buf)) > 0) {
                    if (total == 0) {
                        firstByte = System.nanoTime();
                    }
                    total += n;
                }
                assertThat(total).isEqualTo(bytes);
                double seconds = (System.nanoTime() - t0) / 1e9;
                double rateKb = bytes / 1000.0 / seconds;
                assertThat(rateKb).as("KB/s (first byte after %.0f ms)", (firstByte - t0) / 1e6)
                        .isBetween(90.0, 110.0);
            }
        }
    }

    /**
     * The slices show as separate reads only while the reader keeps up, so on a busy machine a few reads merge:
     * the median read and the time the slices take (which load can only stretch) carry the check.
     */
    @Test
    void slicerCutsDataIntoSmallChunks() throws Exception {
        try (Sockets.Upstream blaster = Sockets.blaster(2000)) {
            Proxy p = client().createProxy("slice", "127.0.0.1:0", blaster.address());
            p.toxics().slicer("slice", ToxicDirection.DOWNSTREAM, 100, 5000).setSizeVariation(20);
            try (Socket s = Sockets.connect(p.getListen())) {
                List<Integer> reads = new ArrayList<>();
                byte[] buf = new byte[8192];
                int n;
                long firstByte = 0;
                while ((n = s.getInputStream().read(buf)) > 0) {
                    if (reads.isEmpty()) {
                        firstByte = System.nanoTime();
                    }
                    reads.add(n);
                }
                long spreadMs = (System.nanoTime() - firstByte) / 1_000_000;
                assertThat(reads.stream().mapToInt(Integer::intValue).sum()).isEqualTo(2000);
                assertThat(reads.size()).as("chunks %s", reads).isGreaterThanOrEqualTo(10);
                List<Integer> sorted = reads.stream().sorted().toList();
                assertThat(sorted.get(sorted.size() / 2)).as("median chunk of %s", reads).isLessThanOrEqualTo(120);
                // at most 120 bytes a slice: at least 16 gaps of 5 ms after the first slice
                assertThat(spreadMs).as("ms from the first slice to the end").isGreaterThanOrEqualTo(75);
            }
        }
    }

    @Test
    void limitDataClosesAfterThatManyBytes() throws Exception {
        try (Sockets.Upstream blaster = Sockets.blaster(5000)) {
            Proxy p = client().createProxy("limit", "127.0.0.1:0", blaster.address());
            p.toxics().limitData("limit", ToxicDirection.DOWNSTREAM, 1234);
            try (Socket s = Sockets.connect(p.getListen())) {
                assertThat(Sockets.readAll(s)).hasSize(1234);
            }
        }
    }

    /** The real server closes with the first chunk that meets the limit, never at connect (issue 14, item 12). */
    @Test
    void limitDataZeroDownstreamClosesWhenTheFirstChunkArrives() throws Exception {
        try (Sockets.Greeter greeter = Sockets.greeter("hello\n")) {
            Proxy p = client().createProxy("ld0down", "127.0.0.1:0", greeter.address());
            p.toxics().limitData("ld0", ToxicDirection.DOWNSTREAM, 0);
            try (Socket s = Sockets.connect(p.getListen())) {
                assertThat(Sockets.readAll(s)).as("the greeting is dropped and closes the connection").isEmpty();
            }
            assertThat(greeter.received()).isZero();
        }
    }

    @Test
    void limitDataZeroUpstreamDeliversTheGreetingAndClosesWhenTheClientSends() throws Exception {
        try (Sockets.Greeter greeter = Sockets.greeter("hello\n")) {
            Proxy p = client().createProxy("ld0up", "127.0.0.1:0", greeter.address());
            p.toxics().limitData("ld0", ToxicDirection.UPSTREAM, 0);
            try (Socket s = Sockets.connect(p.getListen())) {
                assertThat(new String(Sockets.readN(s, 6), StandardCharsets.US_ASCII))
                        .as("the downstream greeting passes").isEqualTo("hello\n");
                s.getOutputStream().write("ping".getBytes(StandardCharsets.US_ASCII));
                assertThat(Sockets.readAll(s)).as("the client's first chunk closes the connection").isEmpty();
            }
            assertThat(greeter.received()).as("bytes that reached the upstream").isZero();
        }
    }

    @Test
    void noopIsAcceptedListedAndPassesDataThrough() throws Exception {
        try (Sockets.Upstream echo = Sockets.echo()) {
            Proxy p = client().createProxy("noop", "127.0.0.1:0", echo.address());
            String down = "{\"attributes\":{},\"name\":\"noop_downstream\",\"type\":\"noop\",\"stream\":\"downstream\","
                    + "\"toxicity\":1}";
            String up = "{\"attributes\":{},\"name\":\"n\",\"type\":\"noop\",\"stream\":\"upstream\",\"toxicity\":1}";
            assertThat(call("POST", "/proxies/noop/toxics", "{\"type\":\"noop\"}"))
                    .isEqualTo(new Reply(200, "application/json", down));
            assertThat(call("POST", "/proxies/noop/toxics", "{\"name\":\"n\",\"type\":\"noop\",\"stream\":\"upstream\","
                    + "\"attributes\":{\"latency\":5}}").body()).isEqualTo(up);
            assertThat(call("GET", "/proxies/noop/toxics", null).body()).isEqualTo("[" + up + "," + down + "]");
            assertThat(call("PATCH", "/proxies/noop/toxics/n", "{\"toxicity\":0.5}").body())
                    .isEqualTo(up.replace("\"toxicity\":1", "\"toxicity\":0.5"));
            try (Socket s = Sockets.connect(p.getListen())) {
                s.getOutputStream().write("through".getBytes(StandardCharsets.US_ASCII));
                assertThat(new String(Sockets.readN(s, 7), StandardCharsets.US_ASCII)).isEqualTo("through");
            }
        }
    }

    /** The real server decodes a new toxic once with a noop toxic before it looks at the type. */
    @Test
    void attributesThatAreNotAnObjectAreWordedAsTheRealServerWordsThem() throws Exception {
        client().createProxy("attrs", "127.0.0.1:0", "127.0.0.1:6379");
        assertThat(call("POST", "/proxies/attrs/toxics", "{\"type\":\"latency\",\"attributes\":5}").body())
                .isEqualTo("{\"error\":\"bad request body: json: cannot unmarshal number into Go struct field "
                        + "ToxicWrapper.attributes of type toxics.NoopToxic\",\"status\":400}\n");
        assertThat(call("POST", "/proxies/attrs/toxics", "{\"type\":\"nope\",\"attributes\":[1]}").body())
                .isEqualTo("{\"error\":\"bad request body: json: cannot unmarshal array into Go struct field "
                        + "ToxicWrapper.attributes of type toxics.NoopToxic\",\"status\":400}\n");
        call("POST", "/proxies/attrs/toxics", "{\"type\":\"latency\"}");
        assertThat(call("POST", "/proxies/attrs/toxics/latency_downstream", "{\"attributes\":[1]}").body())
                .isEqualTo("{\"error\":\"bad request body: json: cannot unmarshal array into Go struct field "
                        + ".attributes of type toxics.LatencyToxic\",\"status\":400}\n");
    }

    @Test
    void timeoutStallsThenCloses() throws Exception {
        try (Sockets.Upstream echo = Sockets.echo()) {
            Proxy p = client().createProxy("to", "127.0.0.1:0", echo.address());
            p.toxics().timeout("to", ToxicDirection.DOWNSTREAM, 500);
            try (Socket s = Sockets.connect(p.getListen())) {
                long t0 = System.nanoTime();
                s.getOutputStream().write("hello".getBytes());
                int got;
                try {
                    got = s.getInputStream().read();
                } catch (SocketException e) {
                    got = -1;
                }
                long ms = (System.nanoTime() - t0) / 1_000_000;
                assertThat(got).as("no data gets through").isEqualTo(-1);
                assertThat(ms).as("closed after the timeout").isBetween(450L, 3000L);
            }
        }
    }

    @Test
    void resetPeerResetsTheConnection() throws Exception {
        try (Sockets.Upstream echo = Sockets.echo()) {
            Proxy p = client().createProxy("rst", "127.0.0.1:0", echo.address());
            p.toxics().resetPeer("rst", ToxicDirection.UPSTREAM, 0);
            try (Socket s = Sockets.connect(p.getListen())) {
                s.getOutputStream().write("hello".getBytes());
                assertThatThrownBy(() -> s.getInputStream().read())
                        .isInstanceOf(SocketException.class).hasMessageContaining("reset");
            }
        }
    }

    @Test
    void slowCloseDelaysTheFin() throws Exception {
        try (Sockets.Upstream blaster = Sockets.blaster(10)) {
            Proxy p = client().createProxy("slow", "127.0.0.1:0", blaster.address());
            p.toxics().slowClose("slow", ToxicDirection.DOWNSTREAM, 500);
            try (Socket s = Sockets.connect(p.getListen())) {
                long t0 = System.nanoTime();
                assertThat(Sockets.readAll(s)).hasSize(10);
                assertThat((System.nanoTime() - t0) / 1_000_000).isBetween(450L, 3000L);
            }
        }
    }

    @Test
    void updatingAToxicReachesOpenConnections() throws Exception {
        try (Sockets.Upstream echo = Sockets.echo()) {
            Proxy p = client().createProxy("upd-live", "127.0.0.1:0", echo.address());
            p.toxics().latency("lat", ToxicDirection.DOWNSTREAM, 50);
            try (Socket s = Sockets.connect(p.getListen())) {
                assertThat(Sockets.roundTripMs(s, 10)).isBetween(45.0, 250.0);
                call("POST", "/proxies/upd-live/toxics/lat", "{\"attributes\":{\"latency\":400}}");
                assertThat(Sockets.roundTripMs(s, 10)).isGreaterThanOrEqualTo(390.0);
            }
        }
    }

    /** Toxicity is rolled once per connection: with 0.5, some of 40 connections are slowed and some are not. */
    @Test
    void toxicityIsRolledPerConnection() throws Exception {
        try (Sockets.Upstream echo = Sockets.echo()) {
            Proxy p = client().createProxy("half", "127.0.0.1:0", echo.address());
            p.toxics().latency("lat", ToxicDirection.DOWNSTREAM, 200).setToxicity(0.5f);
            int slowed = 0;
            int n = 40;
            for (int i = 0; i < n; i++) {
                try (Socket s = Sockets.connect(p.getListen())) {
                    double first = Sockets.roundTripMs(s, 10);
                    double second = Sockets.roundTripMs(s, 10);
                    assertThat(first >= 190).as("the same connection keeps its roll").isEqualTo(second >= 190);
                    if (first >= 190) {
                        slowed++;
                    }
                }
            }
            // binomial(40, 0.5): mean 20, sd 3.2; about +-4 sd
            assertThat(slowed).isBetween(7, 33);
        }
    }

    @Test
    void addingAndRemovingAToxicAffectsOpenConnections() throws Exception {
        try (Sockets.Upstream echo = Sockets.echo()) {
            Proxy p = client().createProxy("live", "127.0.0.1:0", echo.address());
            try (Socket s = Sockets.connect(p.getListen())) {
                assertThat(Sockets.roundTripMs(s, 10)).isLessThan(100);
                p.toxics().latency("lat", ToxicDirection.UPSTREAM, 300);
                assertThat(Sockets.roundTripMs(s, 10)).isGreaterThanOrEqualTo(290);
                p.toxics().get("lat").remove();
                assertThat(Sockets.roundTripMs(s, 10)).isLessThan(100);
            }
        }
    }
}
