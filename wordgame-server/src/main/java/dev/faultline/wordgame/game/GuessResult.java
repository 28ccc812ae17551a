package dev.faultline.wordgame.game;

/** The answer to one applied guess. */
public record GuessResult(GameView view, boolean hit, Game.Outcome outcome) {
}
