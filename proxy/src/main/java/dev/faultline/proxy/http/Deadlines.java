package dev.faultline.proxy.http;

import io.netty.channel.EventLoop;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * The attempt timeouts of one event loop that share one duration (a route's {@code timeout}): since every attempt
 * gets the same duration, they expire in the order they started, so a list in start order is also in deadline
 * order. Adding and removing an attempt is linking and unlinking it (no allocation, no priority queue); one timer,
 * set for the earliest deadline, fires and re-arms for the next one (an attempt that was removed earlier only makes
 * it fire for nothing once). Used only on its event loop.
 */
final class Deadlines {
    /** What expires: an attempt, linked into one lane at a time. */
    abstract static class Entry {
        Entry prev;
        Entry next;
        long deadline;
        Deadlines lane;

        /** The deadline passed (the entry is already unlinked). */
        abstract void expired();
    }

    private final EventLoop loop;
    private final long durationNanos;
    private final Runnable fire = this::fire;
    private Entry head;
    private Entry tail;
    private ScheduledFuture<?> timer;
    private boolean firing;

    Deadlines(EventLoop loop, long durationNanos) {
        this.loop = loop;
        this.durationNanos = durationNanos;
    }

    /** Starts {@code e}'s countdown from {@code nowNanos} (a {@link System#nanoTime()} the caller already took). */
    void add(Entry e, long nowNanos) {
        if (e.lane != null) {
            e.lane.remove(e);
        }
        e.deadline = nowNanos + durationNanos;
        e.lane = this;
        e.prev = tail;
        e.next = null;
        if (tail == null) {
            head = e;
        } else {
            tail.next = e;
        }
        tail = e;
        if (timer == null && !firing) {
            arm(durationNanos);
        }
    }

    /** Stops {@code e}'s countdown; nothing happens when it is not counting down here. */
    void remove(Entry e) {
        if (e.lane != this) {
            return;
        }
        Entry p = e.prev;
        Entry n = e.next;
        if (p == null) {
            head = n;
        } else {
            p.next = n;
        }
        if (n == null) {
            tail = p;
        } else {
            n.prev = p;
        }
        e.prev = null;
        e.next = null;
        e.lane = null;
    }

    private void arm(long delayNanos) {
        timer = loop.schedule(fire, Math.max(0, delayNanos), TimeUnit.NANOSECONDS);
    }

    private void fire() {
        timer = null;
        firing = true;
        long now = System.nanoTime();
        try {
            Entry e;
            while ((e = head) != null && e.deadline - now <= 0) {
                remove(e);
                e.expired(); // may add entries (a retry): they are due later than any already here
            }
        } finally {
            firing = false;
        }
        if (head != null) {
            arm(head.deadline - now);
        }
    }
}
