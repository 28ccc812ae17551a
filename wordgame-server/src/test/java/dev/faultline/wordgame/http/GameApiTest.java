package dev.faultline.wordgame.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The two game endpoints of the contract, every row, over real HTTP. */
class GameApiTest {
    @TempDir
    static Path dir;
    static TestServer server;

    @BeforeAll
    static void start() throws Exception {
        Path words = Files.writeString(dir.resolve("words.txt"), "apple\n");
        server = TestServer.start("--words", words.toString());
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    private static JsonObject newGame() {
        HttpResponse<String> r = server.post("/new", "");
        assertThat(r.statusCode()).isEqualTo(200);
        return new JsonObject(r.body());
    }

    private static HttpResponse<String> guess(String id, String letter) {
        return server.post("/guess", new JsonObject().put("id", id).put("guess", letter).encode());
    }

    @Test
    void newGameAnswersTheContractShape() {
        HttpResponse<String> r = server.post("/new", "");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type")).hasValue("application/json");
        assertThat(r.body()).matches("\\{\"id\":\"[A-Za-z0-9_-]+\",\"current\":\"_____\",\"guesses_remaining\":6}");
    }

    @Test
    void newGameIgnoresWhateverBodyItGets() {
        assertThat(server.post("/new", "not json at all {{{").statusCode()).isEqualTo(200);
        assertThat(server.post("/new", "{\"word\":\"cheat\"}").body()).contains("\"current\":\"_____\"");
    }

    @Test
    void aHitRevealsAllPositionsAndKeepsTheGuesses() {
        String id = newGame().getString("id");
        HttpResponse<String> r = guess(id, "P");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).isEqualTo("{\"id\":\"" + id + "\",\"current\":\"_PP__\",\"guesses_remaining\":6}");
    }

    @Test
    void lowerCaseGuessesAreUpperCased() {
        String id = newGame().getString("id");
        assertThat(new JsonObject(guess(id, "p").body()).getString("current")).isEqualTo("_PP__");
    }

    @Test
    void aMissCostsAGuessEveryTime() {
        String id = newGame().getString("id");
        assertThat(new JsonObject(guess(id, "Z").body()).getInteger("guesses_remaining")).isEqualTo(5);
        JsonObject again = new JsonObject(guess(id, "Z").body());
        assertThat(again.getInteger("guesses_remaining")).isEqualTo(4);
        assertThat(again.getString("current")).isEqualTo("_____");
    }

    @Test
    void aWonGameAnswersItsFullBoardThenIsGone() {
        String id = newGame().getString("id");
        guess(id, "A");
        guess(id, "P");
        guess(id, "L");
        HttpResponse<String> last = guess(id, "E");
        assertThat(last.body()).isEqualTo("{\"id\":\"" + id + "\",\"current\":\"APPLE\",\"guesses_remaining\":6}");
        HttpResponse<String> after = guess(id, "A");
        assertThat(after.statusCode()).isEqualTo(404);
        assertThat(new JsonObject(after.body()).getString("error")).isNotBlank();
    }

    @Test
    void aLostGameReachesZeroThenIsGone() {
        String id = newGame().getString("id");
        for (String miss : new String[] {"Q", "W", "R", "T", "Y"}) {
            assertThat(guess(id, miss).statusCode()).isEqualTo(200);
        }
        assertThat(new JsonObject(guess(id, "U").body()).getInteger("guesses_remaining")).isZero();
        assertThat(guess(id, "A").statusCode()).isEqualTo(404);
    }

    @Test
    void unknownGameIs404WithJsonError() {
        HttpResponse<String> r = guess("no-such-game", "A");
        assertThat(r.statusCode()).isEqualTo(404);
        assertThat(r.headers().firstValue("Content-Type")).hasValue("application/json");
        assertThat(new JsonObject(r.body()).getString("error")).contains("no game");
    }

    @Test
    void malformedGuessBodiesAre400WithJsonError() {
        String id = newGame().getString("id");
        String[] bodies = {
            "", "not json", "[1,2]", "\"A\"", "null", "42", "{}", "{\"id\":\"" + id + "\"}", "{\"guess\":\"A\"}",
            "{\"id\":7,\"guess\":\"A\"}", "{\"id\":\"" + id + "\",\"guess\":1}", "{\"id\":null,\"guess\":\"A\"}",
            "{\"id\":\"" + id + "\",\"guess\":[\"A\"]}", "{\"id\":\"" + id + "\",\"guess\":\"A\"",
        };
        for (String body : bodies) {
            HttpResponse<String> r = server.post("/guess", body);
            assertThat(r.statusCode()).as(body).isEqualTo(400);
            assertThat(new JsonObject(r.body()).getString("error")).as(body).isNotBlank();
        }
        assertThat(new JsonObject(guess(id, "P").body()).getInteger("guesses_remaining"))
                .as("the game is untouched by bad requests").isEqualTo(6);
    }

    @Test
    void guessesThatAreNotOneLetterAtoZAre400() {
        String id = newGame().getString("id");
        for (String bad : new String[] {"", "AB", "1", "é", " ", "-", "ap", "Ä"}) {
            HttpResponse<String> r = guess(id, bad);
            assertThat(r.statusCode()).as("guess %s", bad).isEqualTo(400);
            assertThat(r.body()).contains("exactly one letter A-Z");
        }
        assertThat(new JsonObject(guess(id, "Z").body()).getInteger("guesses_remaining")).isEqualTo(5);
    }

    /**
     * A guess is one ASCII letter: no Unicode case mapping makes another character count as one (dotless i
     * upper-cases to I, the Kelvin sign lower-cases to k, sharp s upper-cases to SS).
     */
    @Test
    void guessesOutsideAsciiLettersAre400EvenWhenTheyCaseMapToOne() {
        String id = newGame().getString("id");
        String[] bad = {
            "\u0131", "\u0130", "\u212A", "\u212B", "\u00DF", "\u017F", "\uFF21", "\uFF41", "A\u0301",
            "\u0301", "\u00C5", "\uD835\uDC00", "", "AB", "ab", "\u0000", "a ", " a",
        };
        for (String guess : bad) {
            HttpResponse<String> r = guess(id, guess);
            assertThat(r.statusCode()).as("guess U+%s", guess.codePoints().mapToObj(Integer::toHexString).toList())
                    .isEqualTo(400);
            assertThat(new JsonObject(r.body()).getString("error")).contains("exactly one letter A-Z");
        }
        JsonObject after = new JsonObject(guess(id, "l").body());
        assertThat(after.getInteger("guesses_remaining")).as("no bad guess cost or revealed anything").isEqualTo(6);
        assertThat(after.getString("current")).isEqualTo("___L_");
        assertThat(new JsonObject(guess(id, "a").body()).getString("current")).isEqualTo("A__L_");
    }

    @Test
    void invalidGuessOnUnknownGameIsStill400() {
        assertThat(guess("no-such-game", "AB").statusCode()).isEqualTo(400);
    }
}
