package dev.faultline.perf.simulations;

import static io.gatling.javaapi.core.CoreDsl.StringBody;
import static io.gatling.javaapi.core.CoreDsl.atOnceUsers;
import static io.gatling.javaapi.core.CoreDsl.doIf;
import static io.gatling.javaapi.core.CoreDsl.exec;
import static io.gatling.javaapi.core.CoreDsl.jsonPath;
import static io.gatling.javaapi.core.CoreDsl.scenario;
import static io.gatling.javaapi.http.HttpDsl.http;
import static io.gatling.javaapi.http.HttpDsl.status;

import io.gatling.javaapi.core.ChainBuilder;
import io.gatling.javaapi.core.ScenarioBuilder;
import io.gatling.javaapi.core.Simulation;
import io.gatling.javaapi.http.HttpProtocolBuilder;
import java.time.Duration;

/**
 * Closed-model throughput of {@code POST /new} + {@code POST /guess}: each virtual user plays games back to back
 * without think time (letters in English frequency order until the game is won or lost, at most 26 guesses).
 * Parameters: {@code -DbaseUrl} (default http://127.0.0.1:18337), {@code -Dusers} (32), {@code -Dseconds} (20).
 */
public class WordgameThroughputSimulation extends Simulation {
    static final String BASE_URL = System.getProperty("baseUrl", "http://127.0.0.1:18337");
    static final int USERS = Integer.getInteger("users", 32);
    static final int SECONDS = Integer.getInteger("seconds", 20);
    static final String ORDER = "ESIARNTOLCDUGPMHBYFVKWZXQJ";

    HttpProtocolBuilder protocol = http.baseUrl(BASE_URL).contentTypeHeader("application/json")
            .acceptHeader("application/json").disableCaching().disableWarmUp();

    ChainBuilder newGame = exec(http("new").post("/new").check(status().is(200), jsonPath("$.id").saveAs("id")))
            .exec(s -> s.set("over", false));

    ChainBuilder guess = exec(http("guess").post("/guess")
            .body(StringBody(s -> "{\"id\":\"" + s.getString("id") + "\",\"guess\":\""
                    + ORDER.charAt(s.getInt("i")) + "\"}"))
            .check(status().is(200), jsonPath("$.current").saveAs("current"),
                    jsonPath("$.guesses_remaining").ofInt().saveAs("left")))
            .exec(s -> s.set("over", s.getInt("left") == 0 || !s.getString("current").contains("_")));

    ScenarioBuilder play = scenario("play").during(Duration.ofSeconds(SECONDS)).on(
            newGame.repeat(ORDER.length(), "i").on(doIf(s -> !s.getBoolean("over")).then(guess)));

    {
        setUp(play.injectOpen(atOnceUsers(USERS))).protocols(protocol);
    }
}
