package dev.faultline.wordgame.game;

/** What a client sees of a game: the public contract's three fields. */
public record GameView(String id, String current, int guessesRemaining) {

    /** The contract's JSON, field order as in the original service. Ids and boards are [A-Za-z0-9_-] only. */
    public String toJson() {
        return "{\"id\":\"" + id + "\",\"current\":\"" + current + "\",\"guesses_remaining\":" + guessesRemaining + "}";
    }
}
