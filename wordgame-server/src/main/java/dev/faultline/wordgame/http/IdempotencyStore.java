package dev.faultline.wordgame.http;

import java.time.Duration;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.function.LongSupplier;

/**
 * The answers given to requests that carried an {@code Idempotency-Key}, so that a repeat is answered the same and
 * applied once. Bounded in time (an entry lives for the window from its first request) and in count (beyond
 * {@code maxKeys} the oldest entry goes first). Entries are kept in the order they were made, which is also the
 * order they expire in, so expiry only ever looks at the head. One lock for the table: every operation is a few
 * map steps, and requests from every event loop share it.
 */
final class IdempotencyStore {
    /** What was answered: replayed byte for byte. */
    record Answer(int status, String contentType, String body) {
    }

    /** What a request with a key is to do. */
    enum Verdict {
        /** The first request with this key: apply it, then {@link #complete} or {@link #abandon} its entry. */
        FIRST,
        /** A repeat of a request that was answered: answer {@link Claim#answer()}, apply nothing. */
        REPLAY,
        /** A repeat while the first is still being processed. */
        IN_PROGRESS,
        /** The key was used with another request body. */
        BODY_MISMATCH
    }

    /** The verdict; the entry to settle for {@link Verdict#FIRST}, the stored answer for {@link Verdict#REPLAY}. */
    record Claim(Verdict verdict, Entry entry, Answer answer) {
    }

    /** One key's record; its answer is null while the first request is in progress. */
    static final class Entry {
        private final String key;
        private final byte[] fingerprint;
        private final long createdNanos;
        private Answer answer;

        private Entry(String key, byte[] fingerprint, long createdNanos) {
            this.key = key;
            this.fingerprint = fingerprint;
            this.createdNanos = createdNanos;
        }
    }

    private final long windowNanos;
    private final int maxKeys;
    private final LongSupplier nanoClock;
    private final LinkedHashMap<String, Entry> entries = new LinkedHashMap<>();
    private long expired;
    private long evicted;

    IdempotencyStore(Duration window, int maxKeys, LongSupplier nanoClock) {
        if (window.isNegative() || window.isZero()) {
            throw new IllegalArgumentException("window must be positive, was " + window);
        }
        if (maxKeys < 1) {
            throw new IllegalArgumentException("maxKeys must be at least 1, was " + maxKeys);
        }
        this.windowNanos = window.toNanos();
        this.maxKeys = maxKeys;
        this.nanoClock = nanoClock;
    }

    /**
     * Looks the key up within its scope (the endpoint) and, when it is new, records it as in progress. The
     * fingerprint identifies the request body; a key is only ever valid for one body.
     */
    synchronized Claim claim(String scope, String key, byte[] fingerprint) {
        long now = nanoClock.getAsLong();
        expire(now);
        String k = scope + ' ' + key;
        Entry e = entries.get(k);
        if (e != null) {
            if (!Arrays.equals(e.fingerprint, fingerprint)) {
                return new Claim(Verdict.BODY_MISMATCH, null, null);
            }
            return e.answer == null ? new Claim(Verdict.IN_PROGRESS, null, null) : new Claim(Verdict.REPLAY, null, e.answer);
        }
        e = new Entry(k, fingerprint, now);
        entries.put(k, e);
        if (entries.size() > maxKeys) {
            Iterator<Entry> oldest = entries.values().iterator();
            oldest.next();
            oldest.remove();
            evicted++;
        }
        return new Claim(Verdict.FIRST, e, null);
    }

    /** The first request's answer: repeats replay it from now on (unless the entry is already gone). */
    synchronized void complete(Entry e, Answer answer) {
        if (entries.get(e.key) == e) {
            e.answer = answer;
        }
    }

    /** The first request is not to be remembered (it applied nothing): a repeat is applied as if it were new. */
    synchronized void abandon(Entry e) {
        entries.remove(e.key, e);
    }

    /** Drops entries older than the window; also done on every claim. */
    synchronized void evictExpired() {
        expire(nanoClock.getAsLong());
    }

    private void expire(long now) {
        for (Iterator<Entry> it = entries.values().iterator(); it.hasNext(); ) {
            Entry e = it.next();
            if (now - e.createdNanos < windowNanos) {
                return;
            }
            it.remove();
            expired++;
        }
    }

    synchronized int size() {
        return entries.size();
    }

    int maxKeys() {
        return maxKeys;
    }

    /** Entries dropped because the table was full (the oldest first). */
    synchronized long evictedForCapacity() {
        return evicted;
    }

    /** Entries dropped at the end of their window. */
    synchronized long expired() {
        return expired;
    }
}
