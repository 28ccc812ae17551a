package dev.faultline.wordgame.game;

/** What the store reports to telemetry; every method has a no-op default. */
public interface GameEvents {
    GameEvents NONE = new GameEvents() { };

    default void started() { }

    default void guessed(boolean hit) { }

    default void finished(Game.Outcome outcome) { }

    default void evicted() { }

    default void rejectedFull() { }
}
