package dev.faultline.wordgame.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.faultline.wordgame.http.IdempotencyStore.Answer;
import dev.faultline.wordgame.http.IdempotencyStore.Claim;
import dev.faultline.wordgame.http.IdempotencyStore.Verdict;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The key table on its own, with a clock the test moves. */
class IdempotencyStoreTest {
    private static final byte[] BODY = {1, 2, 3};
    private static final Answer OK = new Answer(200, "application/json", "{\"id\":\"g\"}");
    private final AtomicLong clock = new AtomicLong(1_000);

    private IdempotencyStore store(Duration window, int maxKeys) {
        return new IdempotencyStore(window, maxKeys, clock::get);
    }

    @Test
    void aRepeatAfterTheAnswerReplaysItAndAppliesNothing() {
        IdempotencyStore s = store(Duration.ofMinutes(10), 100);
        Claim first = s.claim("/guess", "k", BODY);
        assertThat(first.verdict()).isEqualTo(Verdict.FIRST);
        s.complete(first.entry(), OK);
        Claim again = s.claim("/guess", "k", BODY.clone());
        assertThat(again.verdict()).isEqualTo(Verdict.REPLAY);
        assertThat(again.answer()).isEqualTo(OK);
        assertThat(again.entry()).as("nothing to settle").isNull();
    }

    @Test
    void aRepeatWhileTheFirstIsInProgressIsAConflict() {
        IdempotencyStore s = store(Duration.ofMinutes(10), 100);
        Claim first = s.claim("/guess", "k", BODY);
        assertThat(s.claim("/guess", "k", BODY).verdict()).isEqualTo(Verdict.IN_PROGRESS);
        s.complete(first.entry(), OK);
        assertThat(s.claim("/guess", "k", BODY).verdict()).isEqualTo(Verdict.REPLAY);
    }

    @Test
    void theSameKeyWithAnotherBodyIsAMismatch() {
        IdempotencyStore s = store(Duration.ofMinutes(10), 100);
        s.complete(s.claim("/guess", "k", BODY).entry(), OK);
        assertThat(s.claim("/guess", "k", new byte[] {9}).verdict()).isEqualTo(Verdict.BODY_MISMATCH);
    }

    @Test
    void keysAreScopedPerEndpoint() {
        IdempotencyStore s = store(Duration.ofMinutes(10), 100);
        s.complete(s.claim("/new", "k", BODY).entry(), OK);
        assertThat(s.claim("/guess", "k", BODY).verdict()).isEqualTo(Verdict.FIRST);
    }

    @Test
    void anAbandonedKeyIsAppliedAsNewNextTime() {
        IdempotencyStore s = store(Duration.ofMinutes(10), 100);
        s.abandon(s.claim("/guess", "k", BODY).entry());
        assertThat(s.size()).isZero();
        assertThat(s.claim("/guess", "k", BODY).verdict()).isEqualTo(Verdict.FIRST);
    }

    @Test
    void beyondMaxKeysTheOldestIsForgottenAndCounted() {
        IdempotencyStore s = store(Duration.ofMinutes(10), 2);
        for (String k : new String[] {"a", "b", "c"}) {
            s.complete(s.claim("/guess", k, BODY).entry(), OK);
            clock.addAndGet(1);
        }
        assertThat(s.size()).isEqualTo(2);
        assertThat(s.evictedForCapacity()).isEqualTo(1);
        assertThat(s.claim("/guess", "c", BODY).verdict()).isEqualTo(Verdict.REPLAY);
        assertThat(s.claim("/guess", "b", BODY).verdict()).isEqualTo(Verdict.REPLAY);
        assertThat(s.claim("/guess", "a", BODY).verdict()).as("the oldest went").isEqualTo(Verdict.FIRST);
    }

    @Test
    void anAnswerToAnEvictedEntryIsNotStored() {
        IdempotencyStore s = store(Duration.ofMinutes(10), 1);
        Claim a = s.claim("/guess", "a", BODY);
        s.claim("/guess", "b", BODY); // pushes a out
        s.complete(a.entry(), OK);
        assertThat(s.size()).isEqualTo(1);
        assertThat(s.claim("/guess", "b", BODY).verdict()).isEqualTo(Verdict.IN_PROGRESS);
    }

    @Test
    void aKeyIsRememberedForTheWindowFromItsFirstRequestThenForgotten() {
        IdempotencyStore s = store(Duration.ofSeconds(60), 100);
        s.complete(s.claim("/guess", "old", BODY).entry(), OK);
        clock.addAndGet(Duration.ofSeconds(30).toNanos());
        s.complete(s.claim("/guess", "young", BODY).entry(), OK);
        clock.addAndGet(Duration.ofSeconds(30).toNanos() - 1);
        assertThat(s.claim("/guess", "old", BODY).verdict()).as("1 ns before its window ends").isEqualTo(Verdict.REPLAY);
        clock.addAndGet(1);
        s.evictExpired();
        assertThat(s.expired()).isEqualTo(1);
        assertThat(s.size()).isEqualTo(1);
        assertThat(s.claim("/guess", "young", BODY).verdict()).isEqualTo(Verdict.REPLAY);
        assertThat(s.claim("/guess", "old", BODY).verdict()).isEqualTo(Verdict.FIRST);
    }
}
