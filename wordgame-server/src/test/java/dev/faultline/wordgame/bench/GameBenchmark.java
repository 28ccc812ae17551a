package dev.faultline.wordgame.bench;

import dev.faultline.wordgame.game.Game;
import dev.faultline.wordgame.game.GameEvents;
import dev.faultline.wordgame.game.GameStore;
import dev.faultline.wordgame.game.GameView;
import dev.faultline.wordgame.game.GuessResult;
import dev.faultline.wordgame.game.WordList;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * The game logic without HTTP: one guess on a live game, and a whole game played to its end (new game, then
 * letters in English frequency order until it is won or lost, the way a simple client plays), and the JSON of an
 * answer. Run with {@code perf/bench-wordgame-jmh.sh}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class GameBenchmark {
    private static final String ORDER = "ESIARNTOLCDUGPMHBYFVKWZXQJ";
    private GameStore store;
    private String liveId;
    private char liveHit;
    private final GameView view = new GameView("3vV2aQ9x0bYbGm1kQw7T0A", "A_PL_", 4);

    @Setup(Level.Iteration)
    public void setup() {
        store = new GameStore(WordList.bundled(), 1_000_000, Duration.ofMinutes(10), System::nanoTime,
                GameEvents.NONE);
        // a game kept alive forever: repeating a hit changes nothing and costs nothing
        liveId = store.create().orElseThrow().id();
        for (char c : ORDER.toCharArray()) {
            if (store.guess(liveId, c).orElseThrow().hit()) {
                liveHit = c;
                return;
            }
        }
    }

    @Benchmark
    public Optional<GuessResult> guessHit() {
        return store.guess(liveId, liveHit);
    }

    @Benchmark
    public int playWholeGame() {
        String id = store.create().orElseThrow().id();
        int guesses = 0;
        for (int i = 0; i < ORDER.length(); i++) {
            Optional<GuessResult> r = store.guess(id, ORDER.charAt(i));
            guesses++;
            if (r.isEmpty() || r.get().outcome() != Game.Outcome.PLAYING) {
                break;
            }
        }
        return guesses;
    }

    @Benchmark
    public String answerJson() {
        return view.toJson();
    }
}
