package dev.faultline.wordgame.game;

/**
 * One hangman game. Not thread-safe on its own: {@link GameStore} applies guesses one at a time per game.
 */
public final class Game {
    /** Guesses a new game starts with (fixed by the public contract). */
    public static final int INITIAL_GUESSES = 6;

    private final String id;
    private final String word;
    private final char[] board;
    private int hidden;
    private int remaining = INITIAL_GUESSES;
    private long lastAccessNanos;
    private boolean removed;

    Game(String id, String word, long nowNanos) {
        this.id = id;
        this.word = word;
        this.board = new char[word.length()];
        java.util.Arrays.fill(board, '_');
        this.hidden = word.length();
        this.lastAccessNanos = nowNanos;
    }

    /**
     * Applies one guess of an upper-case letter A-Z. A hit reveals every position of the letter and costs nothing;
     * a miss (also a repeated one) costs one guess and leaves the board unchanged.
     */
    GuessResult guess(char letter) {
        boolean hit = false;
        for (int i = 0; i < board.length; i++) {
            if (word.charAt(i) == letter) {
                hit = true;
                if (board[i] == '_') {
                    board[i] = letter;
                    hidden--;
                }
            }
        }
        if (!hit) {
            remaining--;
        }
        return new GuessResult(snapshot(), hit, outcome());
    }

    Outcome outcome() {
        if (hidden == 0) {
            return Outcome.WON;
        }
        return remaining <= 0 ? Outcome.LOST : Outcome.PLAYING;
    }

    GameView snapshot() {
        return new GameView(id, new String(board), remaining);
    }

    String id() {
        return id;
    }

    String word() {
        return word;
    }

    long lastAccessNanos() {
        return lastAccessNanos;
    }

    void touch(long nowNanos) {
        lastAccessNanos = nowNanos;
    }

    boolean removed() {
        return removed;
    }

    void markRemoved() {
        removed = true;
    }

    /** Where a game stands after a guess. */
    public enum Outcome { PLAYING, WON, LOST }
}
