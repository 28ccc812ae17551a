package dev.faultline.perf.report;

import dev.faultline.perf.profile.Collapsed;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * The per-phase table of a TLS (connection-storm) experiment, from one or more of its run directories: what the
 * hosts saw, what the server spent, its handshakes and where its CPU went; with several runs, the median of each
 * cell and the runs' range for the key ratios. Usage: {@code java -cp perf.jar dev.faultline.perf.report.StormTable
 * <run dir>...}; prints Markdown.
 */
public final class StormTable {
    /** Frames of the TLS protocol machinery (JDK SSLEngine, Netty's SslHandler). */
    static final Pattern TLS = Pattern.compile("sun/security/ssl/|javax/net/ssl/|io/netty/handler/ssl/");
    /** Frames of the public-key and key-exchange arithmetic under it. */
    static final Pattern CRYPTO = Pattern.compile(
            "sun/security/(rsa|ec|util/math)/|java/math/BigInteger|montgomery_|com/sun/crypto/|sun/security/provider/");

    /** The JIT compiler's threads: a JVM that has just started spends its first seconds here. */
    static final Pattern JIT = Pattern.compile("CompileBroker::");

    private StormTable() {
    }

    /** One phase of one run, as numbers (NaN when the run did not capture it). */
    record Row(String phase, String tls, String reuse, double hosts, double rate, double polls, double success,
               double p50, double p99, double serverCores, double clientCores, double handshakesPerSecond,
               double resumed, double failures, double handshakesPerCpuSecond, double cpuMsPerGoodPoll,
               double tlsShare, double cryptoShare, double jitShare) {
    }

    public static void main(String[] args) throws IOException {
        if (args.length == 0) {
            System.err.println("usage: StormTable <run dir>...");
            System.exit(2);
        }
        List<List<Row>> runs = new ArrayList<>();
        for (String a : args) {
            runs.add(read(Path.of(a)));
        }
        System.out.print(markdown(runs));
    }

    static List<Row> read(Path dir) throws IOException {
        JsonObject timeline = new JsonObject(Files.readString(dir.resolve("timeline.json")));
        JsonObject verdicts = new JsonObject(Files.readString(dir.resolve("verdicts.json")));
        Path serverFile = dir.resolve("metrics").resolve("server.json");
        JsonObject server = Files.isRegularFile(serverFile) ? new JsonObject(Files.readString(serverFile))
                : new JsonObject();
        List<Row> rows = new ArrayList<>();
        for (Object o : timeline.getJsonArray("phases", new JsonArray())) {
            JsonObject t = (JsonObject) o;
            String phase = t.getString("phase");
            double seconds = t.getLong("durationMillis") / 1000.0;
            JsonObject client = verdicts.getJsonObject("phases", new JsonObject()).getJsonObject(phase, new JsonObject());
            JsonObject s = server.getJsonObject("phases", new JsonObject()).getJsonObject(phase, new JsonObject());
            double polls = num(client, "requests");
            double success = num(client, "successRatio");
            double cpu = num(s, "process.wordgame.cpuSeconds");
            double hsRate = num(s, "wordgame.handshakeRate");
            Path collapsed = dir.resolve("profiles").resolve(phase).resolve("wordgame.collapsed");
            double tlsShare = Double.NaN;
            double cryptoShare = Double.NaN;
            double jitShare = Double.NaN;
            if (Files.isRegularFile(collapsed)) {
                Collapsed c = Collapsed.parse(collapsed);
                if (c.total() > 0) {
                    tlsShare = c.shareMatching(TLS);
                    cryptoShare = c.shareMatching(CRYPTO);
                    jitShare = c.shareMatching(JIT);
                }
            }
            rows.add(new Row(phase, t.getString("tls", ""), t.getString("reuse", ""), num(t, "hosts"),
                    num(t, "rate"), polls, success, num(client, "p50Millis"), num(client, "p99Millis"),
                    num(s, "process.wordgame.cores"), num(s, "process.gatling.cores"), hsRate,
                    num(s, "wordgame.resumedRatio"), num(s, "wordgame.handshakeFailures"),
                    cpu > 0 ? hsRate * seconds / cpu : Double.NaN,
                    polls * success > 0 ? cpu * 1000 / (polls * success) : Double.NaN, tlsShare, cryptoShare,
                    jitShare));
        }
        return rows;
    }

    private static double num(JsonObject o, String key) {
        Object v = o.getValue(key);
        return v instanceof Number n ? n.doubleValue() : Double.NaN;
    }

    static String markdown(List<List<Row>> runs) {
        Map<String, List<Row>> byPhase = new LinkedHashMap<>();
        for (List<Row> run : runs) {
            for (Row r : run) {
                byPhase.computeIfAbsent(r.phase(), k -> new ArrayList<>()).add(r);
            }
        }
        StringBuilder sb = new StringBuilder();
        sb.append(runs.size() == 1 ? "One run.\n\n" : "Medians of " + runs.size() + " runs; [min–max] for the ratios.\n\n");
        sb.append("| phase | server TLS | reuse | hosts | polls/s | polls | success | p50 ms | p99 ms | server cores"
                + " | client cores | handshakes/s | resumed | failed handshakes | handshakes per CPU s"
                + " | server CPU ms per good poll | TLS share of server CPU | crypto share | JIT compiler share |\n");
        sb.append("|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        for (Map.Entry<String, List<Row>> e : byPhase.entrySet()) {
            List<Row> rs = e.getValue();
            Row first = rs.get(0);
            sb.append("| ").append(e.getKey()).append(" | ").append(first.tls()).append(" | ").append(first.reuse())
                    .append(" | ").append(fmt(median(rs, Row::hosts), 0))
                    .append(" | ").append(fmt(median(rs, Row::rate), 0))
                    .append(" | ").append(fmt(median(rs, Row::polls), 0))
                    .append(" | ").append(ranged(rs, Row::success, 3))
                    .append(" | ").append(fmt(median(rs, Row::p50), 0))
                    .append(" | ").append(fmt(median(rs, Row::p99), 0))
                    .append(" | ").append(fmt(median(rs, Row::serverCores), 2))
                    .append(" | ").append(fmt(median(rs, Row::clientCores), 2))
                    .append(" | ").append(fmt(median(rs, Row::handshakesPerSecond), 0))
                    .append(" | ").append(fmt(median(rs, Row::resumed), 2))
                    .append(" | ").append(fmt(median(rs, Row::failures), 0))
                    .append(" | ").append(ranged(rs, Row::handshakesPerCpuSecond, 0))
                    .append(" | ").append(ranged(rs, Row::cpuMsPerGoodPoll, 2))
                    .append(" | ").append(pct(median(rs, Row::tlsShare)))
                    .append(" | ").append(pct(median(rs, Row::cryptoShare)))
                    .append(" | ").append(pct(median(rs, Row::jitShare))).append(" |\n");
        }
        return sb.toString();
    }

    static double median(List<Row> rows, Function<Row, Double> f) {
        List<Double> v = rows.stream().map(f).filter(Double::isFinite).sorted().toList();
        if (v.isEmpty()) {
            return Double.NaN;
        }
        int n = v.size();
        return n % 2 == 1 ? v.get(n / 2) : (v.get(n / 2 - 1) + v.get(n / 2)) / 2;
    }

    private static String ranged(List<Row> rows, Function<Row, Double> f, int decimals) {
        List<Double> v = rows.stream().map(f).filter(Double::isFinite).sorted().toList();
        String m = fmt(median(rows, f), decimals);
        return v.size() < 2 ? m : m + " [" + fmt(v.get(0), decimals) + "–" + fmt(v.get(v.size() - 1), decimals) + "]";
    }

    private static String fmt(double v, int decimals) {
        return Double.isFinite(v) ? String.format(Locale.ROOT, "%." + decimals + "f", v) : "–";
    }

    private static String pct(double v) {
        return Double.isFinite(v) ? String.format(Locale.ROOT, "%.0f %%", v * 100) : "–";
    }
}
