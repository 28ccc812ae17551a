package dev.faultline.harness.run;

import dev.faultline.harness.verdict.ExactlyOnceCheck;
import dev.faultline.harness.verdict.Ledger;
import dev.faultline.perf.prom.Measure;
import dev.faultline.perf.prom.MetricsSnapshot;
import java.io.IOException;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What the load sent and what the word-game server applied, for the exactly-once hypothesis: a {@link Ledger} per
 * kind of request, and the server's own counters read from its {@code /metrics} at every phase boundary (always
 * from the server itself: exact integers, where Prometheus's {@code increase} extrapolates).
 */
final class RequestAccounting {
    /** The requests whose applications the server counts. */
    enum Kind {
        GUESS("guesses", "wordgame_guesses_total", List.of(Measure.Matcher.re("result", "hit|miss"))),
        NEW_GAME("games", "wordgame_games_started_total", List.of());

        final String label;
        final String counter;
        final List<Measure.Matcher> matchers;

        Kind(String label, String counter, List<Measure.Matcher> matchers) {
            this.label = label;
            this.counter = counter;
            this.matchers = matchers;
        }
    }

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(3)).build();
    private final Map<Kind, Ledger> ledgers = new EnumMap<>(Kind.class);
    /** Boundary name -> the counters read there, in boundary order. */
    private final Map<String, Map<Kind, Ledger.Read>> reads = new LinkedHashMap<>();
    private final Map<String, String> failures = new LinkedHashMap<>();

    RequestAccounting() {
        for (Kind k : Kind.values()) {
            ledgers.put(k, new Ledger());
        }
    }

    void sent(Kind kind, long epochMillis) {
        ledgers.get(kind).sent(epochMillis);
    }

    void answered(Kind kind, long sentMillis, int status, long answeredMillis) {
        if (status == 200) {
            ledgers.get(kind).answeredOk(sentMillis, answeredMillis);
        }
    }

    /** Reads the server's counters at a boundary ({@code metricsUrl}: its {@code /metrics}). */
    synchronized void boundary(String name, String metricsUrl) {
        long before = System.currentTimeMillis();
        try {
            MetricsSnapshot s = MetricsSnapshot.scrape(http, metricsUrl);
            long after = System.currentTimeMillis();
            Map<Kind, Ledger.Read> r = new EnumMap<>(Kind.class);
            for (Kind k : Kind.values()) {
                double v = s.select(k.counter, k.matchers).stream().mapToDouble(MetricsSnapshot.Sample::value).sum();
                r.put(k, new Ledger.Read(before, after, v));
            }
            reads.put(name, r);
        } catch (IOException e) {
            failures.put(name, e.getMessage());
        }
    }

    /** The counts of the phase that began at boundary {@code phase} and ended at the next one. */
    synchronized List<ExactlyOnceCheck.Count> counts(String phase) throws IOException {
        List<String> names = new ArrayList<>(reads.keySet());
        int i = names.indexOf(phase);
        if (i < 0 || i + 1 >= names.size()) {
            String why = failures.getOrDefault(phase, failures.isEmpty() ? "no read of the server's counters"
                    : String.join("; ", failures.values()));
            throw new IOException("the server's counters were not read at both ends of the phase: " + why);
        }
        Map<Kind, Ledger.Read> from = reads.get(names.get(i));
        Map<Kind, Ledger.Read> to = reads.get(names.get(i + 1));
        List<ExactlyOnceCheck.Count> out = new ArrayList<>();
        for (Kind k : Kind.values()) {
            Ledger ledger = ledgers.get(k);
            if (ledger.overflowed()) {
                throw new IOException("more than " + Ledger.MAX + " " + k.label + " to account for");
            }
            out.add(new ExactlyOnceCheck.Count(k.label, ExactlyOnceCheck.increase(from.get(k), to.get(k), k.label),
                    ledger.between(from.get(k), to.get(k))));
        }
        return out;
    }
}
