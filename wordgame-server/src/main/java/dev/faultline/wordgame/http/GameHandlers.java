package dev.faultline.wordgame.http;

import dev.faultline.wordgame.game.GameStore;
import dev.faultline.wordgame.game.GameView;
import dev.faultline.wordgame.game.GuessResult;
import dev.faultline.wordgame.telemetry.Metrics;
import io.vertx.core.json.JsonObject;
import java.util.Optional;

/** The two game endpoints of the public contract. */
final class GameHandlers {
    /** Seconds a client is told to wait when the store is full (about one eviction sweep). */
    static final String RETRY_AFTER_FULL = "5";

    private final GameStore store;
    private final Metrics metrics;

    GameHandlers(GameStore store, Metrics metrics) {
        this.store = store;
        this.metrics = metrics;
    }

    /** {@code POST /new}: the body is ignored. */
    void newGame(Exchange ex) {
        Optional<GameView> game = store.create();
        if (game.isEmpty()) {
            ex.response().putHeader("Retry-After", RETRY_AFTER_FULL);
            ex.error(503, "game store is full (" + store.capacity() + " live games); retry later");
            return;
        }
        ex.json(200, game.get().toJson());
    }

    /** {@code POST /guess {"id": "...", "guess": "A"}}. */
    void guess(Exchange ex) {
        String id;
        char letter;
        try {
            JsonObject body = JsonBodies.object(ex.body);
            id = JsonBodies.requiredString(body, "id");
            letter = letter(JsonBodies.requiredString(body, "guess"));
        } catch (BadRequest e) {
            metrics.invalidGuess();
            throw e;
        }
        Optional<GuessResult> result = store.guess(id, letter);
        if (result.isEmpty()) {
            throw new BadRequest(404, "no game with this id (unknown, finished or expired)");
        }
        ex.json(200, result.get().view().toJson());
    }

    /**
     * One ASCII letter, upper-cased by arithmetic: no Unicode case mapping, which would turn U+0131 (dotless i) into
     * I or U+017F (long s) into S.
     */
    private static char letter(String guess) {
        char c = guess.length() == 1 ? guess.charAt(0) : 0;
        if (c >= 'a' && c <= 'z') {
            return (char) (c - ('a' - 'A'));
        }
        if (c >= 'A' && c <= 'Z') {
            return c;
        }
        throw new BadRequest("field \"guess\" must be exactly one letter A-Z (ASCII)");
    }
}
