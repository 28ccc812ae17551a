package dev.faultline.wordgame.bench;

import dev.faultline.wordgame.http.InMemoryTls;
import dev.faultline.wordgame.http.InMemoryTls.Handshake;
import dev.faultline.wordgame.http.InMemoryTls.KeyType;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleFunction;
import javax.net.ssl.SSLException;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.results.BenchmarkResult;
import org.openjdk.jmh.results.IterationResult;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.CommandLineOptions;

/**
 * The cost of one TLS handshake with the word-game server's TLS stack, per server key type, TLS version and full or
 * resumed handshake, in memory on one thread ({@link InMemoryTls}: the server side is the Netty/JDK
 * {@code SSLEngine} Vert.x makes from the server's own {@code HttpServerOptions}, the client a plain JDK engine).
 *
 * <p>Scores (JMH divides each by the measured time, so per millisecond of the benchmark thread's wall time):
 * <ul>
 *   <li>{@code handshake}: complete handshakes (client and server work, all records exchanged, TLSv1.3 session
 *       ticket included);</li>
 *   <li>{@code handshake:handshakes}: the same handshakes counted by the benchmark, including the one or two JMH
 *       runs just outside the measured window, like the counters below;</li>
 *   <li>{@code handshake:serverNanos}: wall nanoseconds spent inside the server engine's calls (engine creation,
 *       {@code beginHandshake}, {@code wrap}/{@code unwrap}, delegated tasks);</li>
 *   <li>{@code handshake:cpuNanos}, {@code handshake:wallNanos}: the thread's CPU time and wall time from the
 *       iteration's set-up to its tear-down ({@code cpuNanos/wallNanos} near 1 means the thread was not
 *       preempted).</li>
 * </ul>
 * The machine is shared, so wall time overstates CPU time. The figure the handshake-storm investigation needs, the
 * server's CPU per handshake, is {@code cpuNanos/handshakes × serverNanos/wallNanos}: the thread's CPU per handshake
 * times the server calls' share of the wall time (preemption lands on server and client calls in proportion to their
 * length). The thread's CPU is read twice per iteration, not per call ({@code getCurrentThreadCpuTime} costs about
 * 0.5 µs); GC and JIT threads are not counted.
 *
 * <p>Resumption is proven, not assumed: every iteration checks that each handshake of a {@code resumed} trial resumed
 * (the client checked no certificate) and that no handshake of a {@code full} trial did, and fails otherwise.
 *
 * <p>Run with {@code perf/bench-tls-jmh.sh}, which calls {@link #main}: JMH with the given options, then a summary
 * (medians and ranges over the iterations of server CPU µs per handshake, server handshakes per server CPU-ms,
 * ratios RSA_4096/RSA_2048 and RSA_2048/EC_P256).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class TlsHandshakeBenchmark {
    @Param({"RSA_2048", "RSA_4096", "EC_P256"})
    public KeyType keyType;

    @Param({"TLSv1.3", "TLSv1.2"})
    public String protocol;

    @Param({"full", "resumed"})
    public String mode;

    private InMemoryTls tls;
    private boolean resumable;
    private long handshakes;
    private long resumed;

    @Setup(Level.Trial)
    public void start() throws Exception {
        if (!mode.equals("full") && !mode.equals("resumed")) {
            throw new IllegalArgumentException("mode " + mode + ": full or resumed");
        }
        tls = InMemoryTls.start(keyType, protocol);
        resumable = mode.equals("resumed");
        // a full handshake first: a resumed trial then has a session cached for its peer
        Handshake first = tls.handshake(resumable);
        if (first.resumed() || !first.server().getProtocol().equals(protocol)) {
            throw new IllegalStateException("first handshake: resumed=" + first.resumed() + ", protocol "
                    + first.server().getProtocol());
        }
    }

    @Setup(Level.Iteration)
    public void resetCounts() {
        handshakes = 0;
        resumed = 0;
    }

    @TearDown(Level.Iteration)
    public void verifyMode() {
        long expected = resumable ? handshakes : 0;
        if (handshakes == 0 || resumed != expected) {
            throw new IllegalStateException(mode + " trial: " + resumed + " of " + handshakes
                    + " handshakes resumed, expected " + expected);
        }
    }

    @TearDown(Level.Trial)
    public void stop() {
        tls.close();
    }

    @Benchmark
    public Handshake handshake(ServerTime time) throws SSLException {
        Handshake h = tls.handshake(resumable);
        handshakes++;
        if (h.resumed()) {
            resumed++;
        }
        time.handshakes++;
        time.serverNanos += h.serverNanos();
        return h;
    }

    /** Extra scores of {@link #handshake}: JMH divides them by the iteration's time like the handshakes. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class ServerTime {
        private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();
        public long handshakes;
        public long serverNanos;
        public long cpuNanos;
        public long wallNanos;
        private long cpuStart;
        private long wallStart;

        @Setup(Level.Iteration)
        public void reset() {
            handshakes = 0;
            serverNanos = 0;
            cpuNanos = 0;
            wallNanos = 0;
            wallStart = System.nanoTime();
            cpuStart = THREADS.getCurrentThreadCpuTime();
        }

        @TearDown(Level.Iteration)
        public void stopCpu() {
            cpuNanos = THREADS.getCurrentThreadCpuTime() - cpuStart;
            wallNanos = System.nanoTime() - wallStart;
        }
    }

    /** JMH with the given command-line options (this benchmark unless one is named), then the summary. */
    public static void main(String[] args) throws Exception {
        List<String> argv = new ArrayList<>(List.of(args));
        CommandLineOptions options = new CommandLineOptions(argv.toArray(String[]::new));
        if (options.getIncludes().isEmpty()) {
            argv.add(0, TlsHandshakeBenchmark.class.getSimpleName());
            options = new CommandLineOptions(argv.toArray(String[]::new));
        }
        Collection<RunResult> results = new Runner(options).run();
        System.out.println();
        System.out.println(summary(results));
    }

    /**
     * One measurement iteration's figures. All counters are rates over the same time, so their ratios are plain
     * ratios of totals. The server's CPU per handshake is the thread's CPU per handshake times the server's share of
     * the wall time: preemption (the machine is shared) stretches wall time, but falls on server and client calls in
     * proportion to their length, so the share carries over to CPU time.
     */
    record Iteration(double handshakesPerMs, double cpuNsPerHandshake, double serverShare, double cpuPerWall) {
        static Iteration of(double primary, Map<String, ?> secondary) {
            double handshakes = score(secondary, "handshakes");
            double cpu = score(secondary, "cpuNanos");
            double wall = score(secondary, "wallNanos");
            return new Iteration(primary, cpu / handshakes, score(secondary, "serverNanos") / wall, cpu / wall);
        }

        double serverCpuNs() {
            return cpuNsPerHandshake * serverShare;
        }

        private static double score(Map<String, ?> secondary, String name) {
            return ((Result<?>) secondary.get(name)).getScore();
        }
    }

    record Row(KeyType keyType, String protocol, String mode, List<Iteration> iterations, int forks) {
        double median(ToDoubleFunction<Iteration> f) {
            double[] v = iterations.stream().mapToDouble(f).sorted().toArray();
            return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
        }

        double min(ToDoubleFunction<Iteration> f) {
            return iterations.stream().mapToDouble(f).min().orElse(Double.NaN);
        }

        double max(ToDoubleFunction<Iteration> f) {
            return iterations.stream().mapToDouble(f).max().orElse(Double.NaN);
        }
    }

    static String summary(Collection<RunResult> results) {
        List<Row> rows = new ArrayList<>();
        for (RunResult r : results) {
            if (!r.getParams().getBenchmark().endsWith(".handshake")) {
                continue;
            }
            List<Iteration> iterations = new ArrayList<>();
            for (BenchmarkResult fork : r.getBenchmarkResults()) {
                for (IterationResult it : fork.getIterationResults()) {
                    iterations.add(Iteration.of(it.getPrimaryResult().getScore(), it.getSecondaryResults()));
                }
            }
            rows.add(new Row(KeyType.valueOf(r.getParams().getParam("keyType")), r.getParams().getParam("protocol"),
                    r.getParams().getParam("mode"), iterations, r.getBenchmarkResults().size()));
        }
        rows.sort(Comparator.comparing((Row x) -> x.protocol).reversed().thenComparing(x -> x.mode)
                .thenComparing(x -> x.keyType));
        StringBuilder sb = new StringBuilder();
        sb.append("Medians over all measured iterations of all forks; range: min-max over them.\n\n");
        sb.append("| TLS | mode | key | server CPU µs/handshake (range) | server handshakes/CPU-ms"
                + " | both sides CPU µs/handshake | server share | CPU/wall | handshakes/wall-ms |\n"
                + "|---|---|---|---|---|---|---|---|---|\n");
        for (Row x : rows) {
            sb.append(String.format(Locale.ROOT, "| %s | %s | %s | %.1f (%.1f–%.1f) | %.2f | %.1f | %.2f | %.2f | %.3f |%n",
                    x.protocol, x.mode, x.keyType, x.median(Iteration::serverCpuNs) / 1e3,
                    x.min(Iteration::serverCpuNs) / 1e3, x.max(Iteration::serverCpuNs) / 1e3,
                    1e6 / x.median(Iteration::serverCpuNs), x.median(Iteration::cpuNsPerHandshake) / 1e3,
                    x.median(Iteration::serverShare), x.median(Iteration::cpuPerWall),
                    x.median(Iteration::handshakesPerMs)));
        }
        sb.append("\nRatios of the median server CPU per handshake:\n");
        for (Row x : rows) {
            if (x.keyType == KeyType.RSA_2048) {
                sb.append(String.format(Locale.ROOT, "  %s %-7s  RSA_4096/RSA_2048 %s   RSA_2048/EC_P256 %s%n",
                        x.protocol, x.mode, ratio(find(rows, KeyType.RSA_4096, x), x),
                        ratio(x, find(rows, KeyType.EC_P256, x))));
            }
        }
        return sb.toString();
    }

    private static Row find(List<Row> rows, KeyType keyType, Row like) {
        return rows.stream().filter(r -> r.keyType == keyType && r.protocol.equals(like.protocol)
                && r.mode.equals(like.mode)).findFirst().orElse(null);
    }

    private static String ratio(Row a, Row b) {
        return a == null || b == null ? "-" : String.format(Locale.ROOT, "%.2f",
                a.median(Iteration::serverCpuNs) / b.median(Iteration::serverCpuNs));
    }
}
