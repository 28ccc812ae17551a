package dev.faultline.wordgame.game;

import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.Iterator;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * The live games: at most {@code capacity} of them, each removed when it ends or after {@code idleTtl} without a
 * guess. Guesses on one game are applied one at a time (the game's monitor); different games never share a lock.
 */
public final class GameStore {
    private static final Base64.Encoder ID_ENCODER = Base64.getUrlEncoder().withoutPadding();
    private static final ThreadLocal<SecureRandom> RANDOM = ThreadLocal.withInitial(GameStore::newRandom);
    /** When the store is full, at most one full sweep for expired games per this interval. */
    private static final long FULL_SWEEP_INTERVAL_NANOS = Duration.ofMillis(100).toNanos();

    private final WordList words;
    private final int capacity;
    private final long idleTtlNanos;
    private final LongSupplier nanoClock;
    private final GameEvents events;
    private final ConcurrentHashMap<String, Game> games = new ConcurrentHashMap<>();
    private final AtomicInteger live = new AtomicInteger();
    private final AtomicLong lastFullSweep = new AtomicLong(Long.MIN_VALUE);

    public GameStore(WordList words, int capacity, Duration idleTtl, LongSupplier nanoClock, GameEvents events) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity must be at least 1, was " + capacity);
        }
        if (idleTtl.isNegative() || idleTtl.isZero()) {
            throw new IllegalArgumentException("idle TTL must be positive, was " + idleTtl);
        }
        this.words = words;
        this.capacity = capacity;
        this.idleTtlNanos = idleTtl.toNanos();
        this.nanoClock = nanoClock;
        this.events = events;
    }

    /** Starts a game with a random word, or returns empty when the store is full of live games. */
    public Optional<GameView> create() {
        return create(words.random());
    }

    Optional<GameView> create(String word) {
        if (!reserveSlot()) {
            events.rejectedFull();
            return Optional.empty();
        }
        long now = nanoClock.getAsLong();
        String id;
        Game game;
        do {
            id = newId();
            game = new Game(id, word, now);
        } while (games.putIfAbsent(id, game) != null);
        events.started();
        return Optional.of(game.snapshot());
    }

    private boolean reserveSlot() {
        if (live.incrementAndGet() <= capacity) {
            return true;
        }
        live.decrementAndGet();
        long now = nanoClock.getAsLong();
        long last = lastFullSweep.get();
        if ((last == Long.MIN_VALUE || now - last >= FULL_SWEEP_INTERVAL_NANOS)
                && lastFullSweep.compareAndSet(last, now)) {
            evictExpired();
            if (live.incrementAndGet() <= capacity) {
                return true;
            }
            live.decrementAndGet();
        }
        return false;
    }

    /**
     * Applies a guess (an upper-case letter A-Z). Empty when no such game is live (never existed, finished, or
     * evicted). A game that ends with this guess is removed.
     */
    public Optional<GuessResult> guess(String id, char letter) {
        Game game = games.get(id);
        if (game == null) {
            return Optional.empty();
        }
        GuessResult result;
        synchronized (game) {
            if (game.removed()) {
                return Optional.empty();
            }
            long now = nanoClock.getAsLong();
            if (expired(game, now)) {
                remove(game);
                events.evicted();
                return Optional.empty();
            }
            game.touch(now);
            result = game.guess(letter);
            if (result.outcome() != Game.Outcome.PLAYING) {
                remove(game);
            }
        }
        events.guessed(result.hit());
        if (result.outcome() != Game.Outcome.PLAYING) {
            events.finished(result.outcome());
        }
        return Optional.of(result);
    }

    /** Removes every game idle for longer than the TTL; returns how many went. Called periodically by the server. */
    public int evictExpired() {
        long now = nanoClock.getAsLong();
        int evicted = 0;
        for (Iterator<Map.Entry<String, Game>> it = games.entrySet().iterator(); it.hasNext(); ) {
            Game game = it.next().getValue();
            synchronized (game) {
                if (!game.removed() && expired(game, now)) {
                    remove(game);
                    evicted++;
                }
            }
        }
        for (int i = 0; i < evicted; i++) {
            events.evicted();
        }
        return evicted;
    }

    private boolean expired(Game game, long now) {
        return now - game.lastAccessNanos() > idleTtlNanos;
    }

    /** Caller holds the game's monitor. */
    private void remove(Game game) {
        game.markRemoved();
        if (games.remove(game.id(), game)) {
            live.decrementAndGet();
        }
    }

    public int size() {
        return live.get();
    }

    public int capacity() {
        return capacity;
    }

    public boolean full() {
        return live.get() >= capacity;
    }

    private static String newId() {
        byte[] bytes = new byte[16];
        RANDOM.get().nextBytes(bytes);
        return ID_ENCODER.encodeToString(bytes);
    }

    private static SecureRandom newRandom() {
        try {
            return SecureRandom.getInstance("DRBG");
        } catch (NoSuchAlgorithmException e) {
            return new SecureRandom();
        }
    }
}
