package dev.faultline.wordgame.game;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class GameTest {
    private final Game game = new Game("id1", "APPLE", 0);

    @Test
    void newGameShowsOneUnderscorePerLetterAndSixGuesses() {
        assertThat(game.snapshot()).isEqualTo(new GameView("id1", "_____", 6));
        assertThat(game.outcome()).isEqualTo(Game.Outcome.PLAYING);
    }

    @Test
    void hitRevealsEveryPositionAndCostsNothing() {
        GuessResult r = game.guess('P');
        assertThat(r.hit()).isTrue();
        assertThat(r.view()).isEqualTo(new GameView("id1", "_PP__", 6));
    }

    @Test
    void repeatedHitCostsNothingAndChangesNothing() {
        game.guess('P');
        GuessResult r = game.guess('P');
        assertThat(r.hit()).isTrue();
        assertThat(r.view()).isEqualTo(new GameView("id1", "_PP__", 6));
    }

    @Test
    void missCostsOneGuessAndRepeatedMissCostsAgain() {
        assertThat(game.guess('Z').view()).isEqualTo(new GameView("id1", "_____", 5));
        GuessResult again = game.guess('Z');
        assertThat(again.hit()).isFalse();
        assertThat(again.view().guessesRemaining()).isEqualTo(4);
    }

    @Test
    void revealingTheLastLetterWins() {
        for (char c : "APL".toCharArray()) {
            assertThat(game.guess(c).outcome()).isEqualTo(Game.Outcome.PLAYING);
        }
        GuessResult r = game.guess('E');
        assertThat(r.view().current()).isEqualTo("APPLE");
        assertThat(r.outcome()).isEqualTo(Game.Outcome.WON);
    }

    @Test
    void sixthMissLoses() {
        for (char c : "QWRTY".toCharArray()) {
            assertThat(game.guess(c).outcome()).isEqualTo(Game.Outcome.PLAYING);
        }
        GuessResult r = game.guess('U');
        assertThat(r.view().guessesRemaining()).isZero();
        assertThat(r.outcome()).isEqualTo(Game.Outcome.LOST);
    }

    @Test
    void jsonHasTheContractFieldsInOrder() {
        assertThat(new GameView("abc", "_P_", 3).toJson())
                .isEqualTo("{\"id\":\"abc\",\"current\":\"_P_\",\"guesses_remaining\":3}");
    }
}
