package dev.faultline.wordgame.game;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class GameStoreTest {
    private static final Duration TTL = Duration.ofMinutes(10);
    private final AtomicLong clock = new AtomicLong();
    private final CountingEvents events = new CountingEvents();
    private final ExecutorService pool = Executors.newFixedThreadPool(16);

    @AfterEach
    void stop() {
        pool.shutdownNow();
    }

    private GameStore store(int capacity, String... words) {
        return new GameStore(WordList.of(words), capacity, TTL, clock::get, events);
    }

    @Test
    void shouldRefuseNewGamesWhenFullOfLiveGames() {
        GameStore store = store(2, "APPLE");
        assertThat(store.create()).isPresent();
        assertThat(store.create()).isPresent();
        assertThat(store.create()).isEmpty();
        assertThat(store.size()).isEqualTo(2);
        assertThat(events.rejected.get()).isEqualTo(1);
    }

    @Test
    void shouldFreeASlotWhenAGameEnds() {
        GameStore store = store(1, "AB");
        String id = store.create().orElseThrow().id();
        store.guess(id, 'A');
        assertThat(store.guess(id, 'B').orElseThrow().outcome()).isEqualTo(Game.Outcome.WON);
        assertThat(store.guess(id, 'A')).isEmpty();
        assertThat(store.size()).isZero();
        assertThat(store.create()).isPresent();
        assertThat(events.won.get()).isEqualTo(1);
    }

    @Test
    void shouldEvictGamesIdleLongerThanTheTtl() {
        GameStore store = store(10, "APPLE");
        String old = store.create().orElseThrow().id();
        clock.addAndGet(TTL.toNanos() / 2);
        String recent = store.create().orElseThrow().id();
        clock.addAndGet(TTL.toNanos() / 2 + 1);
        assertThat(store.evictExpired()).isEqualTo(1);
        assertThat(store.guess(old, 'A')).isEmpty();
        assertThat(store.guess(recent, 'A')).isPresent();
        assertThat(events.evicted.get()).isEqualTo(1);
    }

    @Test
    void aGuessKeepsAGameAlive() {
        GameStore store = store(10, "APPLE");
        String id = store.create().orElseThrow().id();
        for (int i = 0; i < 5; i++) {
            clock.addAndGet(TTL.toNanos() - 1);
            assertThat(store.guess(id, 'P')).isPresent();
        }
        assertThat(store.evictExpired()).isZero();
    }

    @Test
    void anExpiredGameIsGoneEvenBeforeTheSweep() {
        GameStore store = store(10, "APPLE");
        String id = store.create().orElseThrow().id();
        clock.addAndGet(TTL.toNanos() + 1);
        assertThat(store.guess(id, 'A')).isEmpty();
        assertThat(store.size()).isZero();
        assertThat(events.evicted.get()).isEqualTo(1);
    }

    @Test
    void aFullStoreSweepsExpiredGamesBeforeRefusing() {
        GameStore store = store(2, "APPLE");
        store.create();
        store.create();
        clock.addAndGet(TTL.toNanos() + 1);
        assertThat(store.create()).isPresent();
        assertThat(store.size()).isEqualTo(1);
    }

    @Test
    void idsAreUniqueAndOpaque() {
        GameStore store = store(10_000, "APPLE");
        Set<String> ids = new HashSet<>();
        for (int i = 0; i < 10_000; i++) {
            ids.add(store.create().orElseThrow().id());
        }
        assertThat(ids).hasSize(10_000).allMatch(id -> id.matches("[A-Za-z0-9_-]{22}"));
    }

    /**
     * Many threads miss on one game at once: every decrement is applied exactly once, so the answers carry each
     * remaining count exactly once and the game ends lost after exactly six misses.
     */
    @Test
    void concurrentMissesOnOneGameAreNeverLostOrDoubleApplied() throws Exception {
        GameStore store = store(1000, "ZZZZZZ");
        for (int round = 0; round < 200; round++) {
            String id = store.create().orElseThrow().id();
            List<Integer> remaining = Collections.synchronizedList(new ArrayList<>());
            AtomicInteger notFound = new AtomicInteger();
            runTogether(16, i -> {
                Optional<GuessResult> r = store.guess(id, (char) ('A' + i % 6));
                if (r.isPresent()) {
                    remaining.add(r.get().view().guessesRemaining());
                } else {
                    notFound.incrementAndGet();
                }
            });
            assertThat(remaining).containsExactlyInAnyOrder(5, 4, 3, 2, 1, 0);
            assertThat(notFound.get()).isEqualTo(10);
        }
        assertThat(events.lost.get()).isEqualTo(200);
        assertThat(events.misses.get()).isEqualTo(200 * 6);
        assertThat(store.size()).isZero();
    }

    /** Concurrent hits on distinct letters: the final board holds every one of them, and the game is won once. */
    @Test
    void concurrentHitsRevealEveryLetterExactlyOnce() throws Exception {
        GameStore store = store(1000, "ABCDEFGHIJKLMNOP");
        for (int round = 0; round < 200; round++) {
            String id = store.create().orElseThrow().id();
            List<String> boards = Collections.synchronizedList(new ArrayList<>());
            runTogether(16, i -> store.guess(id, (char) ('A' + i)).ifPresent(r -> boards.add(r.view().current())));
            assertThat(boards).hasSize(16).contains("ABCDEFGHIJKLMNOP");
            Set<Integer> revealedCounts = new HashSet<>();
            for (String b : boards) {
                revealedCounts.add((int) b.chars().filter(c -> c != '_').count());
            }
            assertThat(revealedCounts).hasSize(16);
        }
        assertThat(events.won.get()).isEqualTo(200);
    }

    /** A long stream of abandoned games: the store stays at its capacity and the heap does not grow. */
    @Test
    void memoryStaysFlatUnderALongStreamOfAbandonedGames() {
        int capacity = 20_000;
        GameStore store = new GameStore(WordList.bundled(), capacity, Duration.ofSeconds(1), clock::get, events);
        long step = Duration.ofMillis(1).toNanos() / 10; // 10,000 new games per simulated second
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        long afterWarmup = 0;
        int total = 2_000_000;
        for (int i = 1; i <= total; i++) {
            clock.addAndGet(step);
            assertThat(store.create()).isPresent();
            if (i % 1_000 == 0) {
                store.evictExpired();
                assertThat(store.size()).isLessThanOrEqualTo(capacity);
            }
            if (i == 200_000) {
                afterWarmup = usedAfterGc(memory);
            }
        }
        long atEnd = usedAfterGc(memory);
        assertThat(events.evicted.get()).isGreaterThan(total - capacity - 1_000);
        assertThat(atEnd - afterWarmup).as("heap growth in bytes over 1.8M abandoned games").isLessThan(16L << 20);
    }

    private static long usedAfterGc(MemoryMXBean memory) {
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        return memory.getHeapMemoryUsage().getUsed();
    }

    private void runTogether(int n, java.util.function.IntConsumer task) throws Exception {
        CountDownLatch go = new CountDownLatch(1);
        List<Future<?>> futures = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int k = i;
            futures.add(pool.submit(() -> {
                go.await();
                task.accept(k);
                return null;
            }));
        }
        go.countDown();
        for (Future<?> f : futures) {
            f.get(30, TimeUnit.SECONDS);
        }
    }

    static final class CountingEvents implements GameEvents {
        final AtomicInteger started = new AtomicInteger();
        final AtomicInteger hits = new AtomicInteger();
        final AtomicInteger misses = new AtomicInteger();
        final AtomicInteger won = new AtomicInteger();
        final AtomicInteger lost = new AtomicInteger();
        final AtomicInteger evicted = new AtomicInteger();
        final AtomicInteger rejected = new AtomicInteger();

        @Override
        public void started() {
            started.incrementAndGet();
        }

        @Override
        public void guessed(boolean hit) {
            (hit ? hits : misses).incrementAndGet();
        }

        @Override
        public void finished(Game.Outcome outcome) {
            (outcome == Game.Outcome.WON ? won : lost).incrementAndGet();
        }

        @Override
        public void evicted() {
            evicted.incrementAndGet();
        }

        @Override
        public void rejectedFull() {
            rejected.incrementAndGet();
        }
    }
}
