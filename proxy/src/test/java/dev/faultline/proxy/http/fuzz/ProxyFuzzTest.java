package dev.faultline.proxy.http.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import dev.faultline.proxy.config.ProxyConfig;
import dev.faultline.proxy.http.ProxyServer;
import dev.faultline.proxy.http.RawHttp;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * Mutated requests ({@link CaseGenerator}) through a real proxy to a {@link RecordingUpstream}, each case on its own
 * connection, judged against the strict {@link ReferenceParser}: nothing reaches the upstream that the reference did
 * not read from the client's bytes (method, target and body alike), nothing the proxy sends upstream is refused by
 * the reference reading it as a forwarded request, and every connection the proxy does not answer in full is closed
 * within its timeout. The proxy may refuse more than the reference (its limits, routes): that is counted, not failed.
 *
 * <p>{@code -Dfuzz.cases=N} (default 2000), {@code -Dfuzz.seed=S} (default 14; a failure prints it and the case),
 * {@code -Dfuzz.only=I} runs case I alone.
 */
class ProxyFuzzTest {
    private static final int CASES = Integer.getInteger("fuzz.cases", 2000);
    private static final long SEED = Long.getLong("fuzz.seed", 14);
    private static final Integer ONLY = Integer.getInteger("fuzz.only");
    /** Connections at once: most of them wait (for a timeout of the proxy), so many more than the cores. */
    private static final int WORKERS = 128;
    /**
     * The longest a connection may stay open unanswered: the idle timeout (1 s, checked every quarter) bounds a
     * streamed body that stops; the head and buffered-body timeouts are 500 ms; the rest is room for a busy machine.
     */
    private static final long OPEN_LIMIT_NANOS = 8_000_000_000L;
    private static final Pattern CASE_IN_TARGET = Pattern.compile("/(?:f|smuggled)/(\\d+)");

    /** One case as the client saw it; what the reference reads is kept as keys (cases are made again to print). */
    record Result(int index, List<String> mutations, List<String> expectedKeys, String refusal, boolean clean,
                  List<Integer> statuses, boolean closed, boolean leftOpen, long nanos) {
        boolean complete() {
            return refusal == null && clean;
        }
    }

    private final CaseGenerator gen = new CaseGenerator(SEED);

    @Test
    void mutatedRequestsAreRefusedOrForwardedExactlyAsTheStrictReferenceReadsThem() throws Exception {
        List<Result> results = new ArrayList<>();
        List<String> failures = new ArrayList<>();
        long start = System.nanoTime();
        try (RecordingUpstream upstream = new RecordingUpstream(); Proxy proxy = new Proxy(upstream.port())) {
            ExecutorService workers = Executors.newFixedThreadPool(WORKERS);
            try {
                List<Future<Result>> futures = new ArrayList<>();
                IntStream cases = ONLY == null ? IntStream.range(0, CASES) : IntStream.of(ONLY);
                cases.forEach(i -> futures.add(workers.submit(() -> run(gen.generate(i), proxy.port))));
                for (Future<Result> f : futures) {
                    results.add(f.get());
                }
            } finally {
                workers.shutdownNow();
            }
            // what the reference reads, by key; a mutated target may repeat another case's, so keys are counted
            Map<String, Integer> readable = new HashMap<>();
            Map<String, Result> owner = new HashMap<>();
            Map<Integer, Result> byIndex = new HashMap<>();
            for (Result r : results) {
                for (String k : r.expectedKeys()) {
                    readable.merge(k, 1, Integer::sum);
                    owner.putIfAbsent(k, r);
                }
                byIndex.put(r.index(), r);
                if (r.leftOpen()) {
                    failures.add(describe(r, "connection left open, unanswered, past its timeout"));
                }
            }
            Map<String, Integer> forwarded = new HashMap<>();
            for (RecordingUpstream.Forwarded f : upstream.received) {
                int n = forwarded.merge(f.key(), 1, Integer::sum);
                if (n <= readable.getOrDefault(f.key(), 0)) {
                    continue;
                }
                Matcher m = CASE_IN_TARGET.matcher(f.target());
                Result sender = m.find() ? byIndex.get(Integer.parseInt(m.group(1))) : owner.get(f.key());
                failures.add((sender == null ? "" : describe(sender, "")) + (n == 1
                        ? "forwarded a request the reference did not read: "
                        : "forwarded " + n + " times, the reference reads it " + readable.get(f.key()) + " times: ")
                        + f.description());
            }
            upstream.refused.forEach(f -> failures.add("the reference refuses what the proxy sent upstream: " + f));
            System.out.println(summary(results, upstream, System.nanoTime() - start));
        }
        assertThat(failures).as("seed %d: %d failures", SEED, failures.size()).isEmpty();
    }

    private static Result run(CaseGenerator.Case c, int port) throws IOException {
        ReferenceParser.Reading expected = ReferenceParser.read(c.bytes(), ReferenceParser.Mode.RECEIVED);
        List<ReferenceParser.Request> reads = expected.requests();
        long started = System.nanoTime();
        long deadline = started + OPEN_LIMIT_NANOS;
        List<Integer> statuses = new ArrayList<>();
        boolean closed = false;
        boolean leftOpen = false;
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
            s.setTcpNoDelay(true);
            write(s.getOutputStream(), c.bytes(), new Random(c.index()));
            InputStream in = new BufferedInputStream(s.getInputStream());
            int want = expected.complete() ? reads.size() : Integer.MAX_VALUE;
            while (statuses.size() < want && !closed && !leftOpen) {
                long left = (deadline - System.nanoTime()) / 1_000_000;
                if (left <= 0) {
                    leftOpen = true;
                    break;
                }
                s.setSoTimeout((int) left);
                boolean toHead = statuses.size() < reads.size() && reads.get(statuses.size()).method().equals("HEAD");
                try {
                    RawHttp.Answer a = RawHttp.read(in, toHead);
                    closed = a == null;
                    if (a != null && a.status() >= 200) {
                        statuses.add(a.status());
                    }
                } catch (SocketTimeoutException e) {
                    leftOpen = true;
                } catch (IOException e) {
                    closed = true; // reset
                }
            }
        }
        return new Result(c.index(), c.mutations(), reads.stream().map(ReferenceParser.Request::key).toList(),
                expected.refusal(), expected.clean(), statuses, closed, leftOpen, System.nanoTime() - started);
    }

    /** The case's bytes in one to three writes; the proxy may close before taking them all. */
    private static void write(OutputStream out, byte[] bytes, Random r) {
        try {
            int cut1 = r.nextInt(bytes.length + 1);
            int cut2 = r.nextBoolean() ? cut1 : cut1 + r.nextInt(bytes.length - cut1 + 1);
            out.write(bytes, 0, cut1);
            out.flush();
            out.write(bytes, cut1, cut2 - cut1);
            out.flush();
            out.write(bytes, cut2, bytes.length - cut2);
            out.flush();
        } catch (IOException e) {
            // closed by the proxy (it refused what came first)
        }
    }

    private String describe(Result r, String what) {
        return "seed " + SEED + " case " + r.index() + " (-Dfuzz.seed=" + SEED + " -Dfuzz.only=" + r.index()
                + "; mutations " + r.mutations() + "; the reference reads " + r.expectedKeys().size() + " requests, "
                + (r.refusal() != null ? "then refuses (" + r.refusal() + ")" : r.clean() ? "and that is all"
                : "then the bytes run out") + "; the proxy answered " + r.statuses() + (r.closed() ? " and closed" : "")
                + ") \"" + Escape.bytes(gen.generate(r.index()).bytes(), 3000) + "\": " + what + "\n";
    }

    private String summary(List<Result> results, RecordingUpstream upstream, long nanos) {
        Map<String, Integer> outcomes = new TreeMap<>();
        List<String> stricter = new ArrayList<>();
        for (Result r : results) {
            String reference = r.refusal() != null ? "reference refuses" : r.clean() ? "reference reads all"
                    : "bytes run out";
            boolean allOk = r.statuses().size() == r.expectedKeys().size() && r.statuses().stream().allMatch(s -> s < 300);
            int last = r.statuses().isEmpty() ? 0 : r.statuses().get(r.statuses().size() - 1);
            String proxy = r.complete() && allOk ? "proxy answers all" : last >= 300 ? "proxy ends with " + last
                    : "proxy closes";
            outcomes.merge(reference + ", " + proxy, 1, Integer::sum);
            if (r.complete() && !allOk && stricter.size() < 3) {
                stricter.add("  case " + r.index() + ": " + r.statuses() + " \""
                        + Escape.bytes(gen.generate(r.index()).bytes(), 300) + "\"\n");
            }
        }
        long[] ms = results.stream().mapToLong(r -> r.nanos() / 1_000_000).sorted().toArray();
        StringBuilder s = new StringBuilder(String.format("fuzz: seed %d, %d cases in %.1f s (per case ms: p50 %d,"
                + " p99 %d, max %d); upstream received %d requests, %d cut short by the proxy; outcomes:%n", SEED,
                results.size(), nanos / 1e9, ms[ms.length / 2], ms[ms.length * 99 / 100], ms[ms.length - 1],
                upstream.received.size(), upstream.cutShort.get()));
        outcomes.forEach((k, v) -> s.append(String.format("  %7d  %s%n", v, k)));
        if (!stricter.isEmpty()) {
            s.append("where the proxy refuses what the reference reads (its limits and routes), e.g.:\n");
            stricter.forEach(s::append);
        }
        return s.toString();
    }

    /** The proxy under test: short timeouts and limits, so that every path of the reader is reached quickly. */
    private static final class Proxy implements AutoCloseable {
        final ProxyServer server;
        final int port;

        Proxy(int upstreamPort) {
            server = new ProxyServer(ProxyConfig.parse("host: 127.0.0.1\nport: 0\naccessLog: false\n"
                    + "metrics: {host: 127.0.0.1, port: 0}\n"
                    + "limits: {headerTimeout: 500ms, requestTimeout: 500ms, idleTimeout: 1s, maxBodyBytes: 16KiB,"
                    + " replayBufferBytes: 4KiB, maxHeaderBytes: 4KiB}\n"
                    + "paths:\n- path: /*\n  forwardPort: " + upstreamPort + "\n  timeout: 5s\n", "fuzz"));
            port = server.start();
        }

        @Override
        public void close() {
            server.close();
        }
    }
}
