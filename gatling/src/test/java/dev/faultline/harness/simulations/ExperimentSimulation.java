package dev.faultline.harness.simulations;

import static io.gatling.javaapi.core.CoreDsl.StringBody;
import static io.gatling.javaapi.core.CoreDsl.atOnceUsers;
import static io.gatling.javaapi.core.CoreDsl.constantUsersPerSec;
import static io.gatling.javaapi.core.CoreDsl.details;
import static io.gatling.javaapi.core.CoreDsl.doIf;
import static io.gatling.javaapi.core.CoreDsl.exec;
import static io.gatling.javaapi.core.CoreDsl.jsonPath;
import static io.gatling.javaapi.core.CoreDsl.nothingFor;
import static io.gatling.javaapi.core.CoreDsl.pace;
import static io.gatling.javaapi.core.CoreDsl.pause;
import static io.gatling.javaapi.core.CoreDsl.rampUsers;
import static io.gatling.javaapi.core.CoreDsl.rampUsersPerSec;
import static io.gatling.javaapi.core.CoreDsl.repeat;
import static io.gatling.javaapi.core.CoreDsl.responseTimeInMillis;
import static io.gatling.javaapi.core.CoreDsl.scenario;
import static io.gatling.javaapi.http.HttpDsl.http;
import static io.gatling.javaapi.http.HttpDsl.status;

import dev.faultline.harness.experiment.Experiment;
import dev.faultline.harness.run.SuiteRun;
import io.gatling.javaapi.core.ChainBuilder;
import io.gatling.javaapi.core.OpenInjectionStep;
import io.gatling.javaapi.core.ScenarioBuilder;
import io.gatling.javaapi.core.Simulation;
import io.gatling.javaapi.http.HttpProtocolBuilder;
import io.gatling.javaapi.http.HttpRequestActionBuilder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs the experiment named by {@code -Dexperiment} (a name or a .yml file), or without it every shipped
 * experiment back to back: players start games at the experiment's rate (open model) and guess letters until each
 * game ends, with think time; every request is attributed to the experiment and phase it started in. After the last phase a single "verdicts" user judges the hypotheses and
 * asks the server's /status, which answers 200 only when all held; the run's one Gatling assertion is on that
 * request, so a failed hypothesis fails the run while Gatling still writes its report.
 */
public class ExperimentSimulation extends Simulation {
    private static final String ORDER = "ESIARNTOLCDUGPMHBYFVKWZXQJ";
    /** The request that carries the verdict; the run's one assertion is on it. */
    private static final String HYPOTHESES = "hypotheses (verdicts.json)";

    private final SuiteRun suite = startOrExit();

    /**
     * A bad experiment, backend or stack is one readable line and exit status 2 (a stack that cannot start: 1),
     * instead of Gatling's stack trace.
     */
    private static SuiteRun startOrExit() {
        SuiteRun s;
        try {
            s = SuiteRun.fromSystemProperties();
        } catch (RuntimeException e) {
            System.err.println("faultline: " + e.getMessage());
            System.exit(2);
            throw e;
        }
        try {
            s.start();
        } catch (IllegalArgumentException e) {
            System.err.println("faultline: " + e.getMessage());
            System.exit(2);
        } catch (RuntimeException e) {
            System.err.println("faultline: the stack did not start: " + e.getMessage());
            System.exit(1);
        }
        return s;
    }

    /** Requests use absolute URLs: each experiment of a suite names its own target. */
    private final HttpProtocolBuilder protocol = http.disableCaching().disableWarmUp()
            .contentTypeHeader("application/json").acceptHeader("application/json")
            .userAgentHeader("faultline-gatling");

    /** A request whose status and time go to the run's per-phase stats, whatever the answer. */
    private ChainBuilder recorded(HttpRequestActionBuilder request) {
        return recorded(request, null);
    }

    /**
     * The same, for a request the server applies ({@code kind}: {@code guess} or {@code new}), which the
     * exactly-once hypothesis also accounts for.
     */
    private ChainBuilder recorded(HttpRequestActionBuilder request, String kind) {
        return exec(s -> {
            long t0 = System.currentTimeMillis();
            if (kind != null) {
                suite.sent(kind, t0);
            }
            return s.remove("status").remove("rt").set("t0", t0);
        })
                .exec(request.check(status().saveAs("status"), responseTimeInMillis().saveAs("rt"), status().lt(400)))
                .exec(s -> {
                    long t0 = s.getLong("t0");
                    long now = System.currentTimeMillis();
                    long rt = s.contains("rt") ? s.getInt("rt") : now - t0;
                    int status = s.contains("status") ? s.getInt("status") : 0;
                    suite.record(t0, status, rt);
                    if (kind != null) {
                        suite.answered(kind, t0, status, now);
                    }
                    return s;
                });
    }

    private final ChainBuilder newGame = exec(s -> s.remove("id").set("over", false).set("base", suite.baseUrl()))
            .exec(recorded(http("new").post(s -> s.getString("base") + "/new").body(StringBody("{}"))
                    .check(jsonPath("$.id").optional().saveAs("id")), "new"));

    private final ChainBuilder guess = recorded(http("guess").post(s -> s.getString("base") + "/guess")
            .body(StringBody(s -> "{\"id\":\"" + s.getString("id") + "\",\"guess\":\"" + ORDER.charAt(s.getInt("i"))
                    + "\"}"))
            .check(jsonPath("$.current").optional().saveAs("current"),
                    jsonPath("$.guesses_remaining").ofInt().optional().saveAs("left")), "guess")
            .exec(s -> {
                boolean answered = s.contains("status") && s.getInt("status") == 200 && s.contains("current");
                boolean over = !answered || s.getInt("left") == 0 || !s.getString("current").contains("_");
                return s.remove("current").set("over", over);
            });

    private ScenarioBuilder players(String name, boolean slow) {
        return scenario(name).exec(s -> {
            if (!slow) {
                suite.userStarted(System.currentTimeMillis()); // players follow the injection profile; the mix does not
            }
            return s;
        }).exec(newGame)
                .doIf(s -> s.contains("id")).then(repeat(ORDER.length(), "i").on(
                        doIf(s -> !s.getBoolean("over") && suite.accepting()).then(pause(s -> slow ? suite.slowThinkTime()
                                : suite.thinkTime()).exec(guess))));
    }

    private final ScenarioBuilder players = players("players", false);

    /** Slow players: the same games with 1-3 s of think time. */
    private final ScenarioBuilder slowPlayers = players("slow players", true);

    /** A burst: new games back to back, no think time (the games are abandoned; the server's TTL evicts them). */
    private final ScenarioBuilder bursts = scenario("bursts")
            .exec(s -> s.set("base", suite.baseUrl()).set("n", suite.burstSize()))
            .repeat(s -> s.getInt("n")).on(exec(s -> s.remove("id"))
                    .exec(recorded(http("burst new").post(s -> s.getString("base") + "/new").body(StringBody("{}")),
                            "new")));

    /** Bad requests a real population sends; they expect their 4xx and stay out of the hypotheses. */
    private final ScenarioBuilder errorProne = scenario("error-prone")
            .exec(s -> s.set("base", suite.baseUrl()))
            .exec(http("bad guess (400)").post(s -> s.getString("base") + "/guess")
                    .body(StringBody("{\"id\":\"x\",\"guess\":\"42\"}")).check(status().is(400)))
            .exec(http("unknown game (404)").post(s -> s.getString("base") + "/guess")
                    .body(StringBody("{\"id\":\"no-such-game\",\"guess\":\"E\"}")).check(status().is(404)))
            .exec(http("unknown path (404)").get(s -> s.getString("base") + "/no-such-path").check(status().is(404)));

    /** Judges the hypotheses, then asks the server's /status, which answers 200 only when they all held. */
    private final ScenarioBuilder verdicts = scenario("verdicts")
            .exec(s -> {
                suite.judgeOnce();
                suite.publishVerdict();
                return s;
            })
            .exec(http(HYPOTHESES).get(s -> suite.wordgameUrl() + "/status").check(status().is(200)));

    {
        List<OpenInjectionStep> steps = new ArrayList<>();
        Duration thinkMax = Duration.ZERO;
        List<io.gatling.javaapi.core.PopulationBuilder> hosts = new ArrayList<>();
        for (int i = 0; i < suite.runs().size(); i++) {
            Experiment experiment = suite.runs().get(i).experiment();
            if (i > 0) {
                steps.add(nothingFor(SuiteRun.GAP));
            }
            if (experiment.target() == Experiment.Target.TLS) {
                // polling hosts instead of players: one population per phase, each with its own reuse
                steps.add(nothingFor(experiment.totalDuration()));
                hosts.addAll(pollingHosts(i, suite.offsets().get(i)));
                continue;
            }
            steps.addAll(injection(experiment));
            Duration think = experiment.load().mix().slow() > 0 ? Duration.ofSeconds(3) : experiment.load().thinkMax();
            thinkMax = think.compareTo(thinkMax) > 0 ? think : thinkMax;
        }
        Duration total = suite.totalDuration();
        // players stop guessing once their experiment is over: a last think time and a request's timeout remain
        Duration grace = thinkMax.plusSeconds(6);
        List<io.gatling.javaapi.core.PopulationBuilder> populations = new ArrayList<>();
        populations.add(players.injectOpen(steps));
        populations.addAll(hosts);
        addMix(populations, slowPlayers, m -> m.slow());
        addMix(populations, errorProne, m -> m.errorProne());
        addMix(populations, bursts, m -> m.bursts() ? 1000.0 / m.burstEvery().toMillis() : 0);
        populations.add(verdicts.injectOpen(nothingFor(total.plus(grace)), atOnceUsers(1)));
        setUp(populations)
                .protocols(protocol)
                .assertions(details(HYPOTHESES).successfulRequests().percent().is(100.0))
                .maxDuration(total.plus(grace).plusSeconds(120));
    }

    /**
     * Per-user TLS contexts: each virtual user (a host) gets its own, so its TLS session cache is its own, as
     * separate machines' are; with one shared context every host would resume every other host's session.
     */
    private static javax.net.ssl.KeyManagerFactory noClientCertificate() {
        try {
            java.security.KeyStore empty = java.security.KeyStore.getInstance("PKCS12");
            empty.load(null, null);
            javax.net.ssl.KeyManagerFactory kmf = javax.net.ssl.KeyManagerFactory.getInstance(
                    javax.net.ssl.KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(empty, new char[0]);
            return kmf;
        } catch (java.security.GeneralSecurityException | java.io.IOException e) {
            throw new IllegalStateException("no key manager for the polling hosts: " + e.getMessage(), e);
        }
    }

    /**
     * The polling hosts of a TLS experiment, phase by phase. {@code reuse: none}: every poll is a new host (its own
     * connection and a full handshake, closed after the answer), at the phase's rate. {@code session} and
     * {@code connection}: {@code rate × every} hosts arrive over the first {@code every} and each polls every
     * {@code every}, reconnecting for each poll (resuming its TLS session) or keeping its connection open, until
     * the phases with the same reuse and TLS settings that follow each other are over: one host population for
     * such a run of phases, so a warm-up phase can absorb the hosts' first handshakes.
     */
    private List<io.gatling.javaapi.core.PopulationBuilder> pollingHosts(int runIndex, Duration runOffset) {
        var run = suite.runs().get(runIndex);
        Experiment experiment = run.experiment();
        Experiment.Poll poll = experiment.load().poll();
        javax.net.ssl.KeyManagerFactory kmf = noClientCertificate();
        List<io.gatling.javaapi.core.PopulationBuilder> out = new ArrayList<>();
        List<Experiment.Phase> phases = experiment.phases();
        for (int j = 0; j < phases.size(); j++) {
            Experiment.Phase phase = phases.get(j);
            double rate = phase.rateOr(experiment.load().rate());
            HttpProtocolBuilder tls = http.disableCaching().disableWarmUp().userAgentHeader("faultline-host")
                    .acceptHeader("application/json").perUserKeyManagerFactory(id -> kmf);
            if (phase.reuse() != Experiment.Reuse.CONNECTION) {
                tls = tls.connectionHeader("close");
            }
            ChainBuilder pollOnce = recorded(http("poll").get(s -> suite.tlsUrl() + "/status")
                    .requestTimeout(poll.timeout()));
            String name = "hosts " + experiment.name() + "/" + phase.name();
            Duration offset = runOffset.plus(experiment.offsetOf(j));
            if (phase.reuse() == Experiment.Reuse.NONE) {
                out.add(scenario(name).exec(s -> {
                    suite.userStarted(System.currentTimeMillis());
                    return s;
                }).exec(pollOnce).injectOpen(nothingFor(offset),
                        constantUsersPerSec(rate).during(phase.duration())).protocols(tls));
                continue;
            }
            int last = j;
            Experiment.Tls groupTls = experiment.tlsAt(j).orElse(null);
            while (last + 1 < phases.size() && phases.get(last + 1).reuse() == phase.reuse()
                    && phases.get(last + 1).tls().map(t -> t.equals(groupTls)).orElse(true)) {
                last++;
            }
            int end = last;
            Duration span = experiment.offsetOf(last).plus(phases.get(last).duration()).minus(experiment.offsetOf(j));
            Duration arrive = poll.every().compareTo(span) < 0 ? poll.every() : span;
            out.add(scenario(name)
                    .exec(s -> s.set("until", run.phaseEndMillis(end)))
                    .asLongAs(s -> System.currentTimeMillis() < s.getLong("until")).on(
                            pace(poll.every()).exec(pollOnce))
                    .injectOpen(nothingFor(offset), rampUsers(poll.hosts(rate)).during(arrive)).protocols(tls));
            j = last;
        }
        return out;
    }

    /** Injects a mix scenario at its rate during each experiment that asks for it (nothing otherwise). */
    private void addMix(List<io.gatling.javaapi.core.PopulationBuilder> populations, ScenarioBuilder scenario,
                        java.util.function.ToDoubleFunction<Experiment.Mix> rate) {
        List<OpenInjectionStep> steps = new ArrayList<>();
        boolean any = false;
        for (int i = 0; i < suite.runs().size(); i++) {
            Experiment experiment = suite.runs().get(i).experiment();
            if (i > 0) {
                steps.add(nothingFor(SuiteRun.GAP));
            }
            double r = rate.applyAsDouble(experiment.load().mix());
            if (r > 0) {
                steps.add(constantUsersPerSec(r).during(experiment.totalDuration()));
                any = true;
            } else {
                steps.add(nothingFor(experiment.totalDuration()));
            }
        }
        if (any) {
            populations.add(scenario.injectOpen(steps));
        }
    }

    /** One experiment's open workload: its rate per phase, ramped up at the start. */
    private static List<OpenInjectionStep> injection(Experiment experiment) {
        List<OpenInjectionStep> steps = new ArrayList<>();
        double rate = experiment.load().rate();
        Duration rampLeft = experiment.load().rampUp();
        for (Experiment.Phase phase : experiment.phases()) {
            double r = phase.rateOr(rate);
            Duration d = phase.duration();
            if (!rampLeft.isZero()) {
                Duration inPhase = rampLeft.compareTo(d) < 0 ? rampLeft : d;
                steps.add(rampUsersPerSec(Math.min(1.0, r)).to(r).during(inPhase));
                rampLeft = rampLeft.minus(inPhase);
                d = d.minus(inPhase);
            }
            if (!d.isZero()) {
                steps.add(constantUsersPerSec(r).during(d));
            }
        }
        return steps;
    }

    @Override
    public void before() {
        suite.begin();
    }

    @Override
    public void after() {
        suite.judgeOnce();
        suite.close();
        suite.compileReport();
    }
}
