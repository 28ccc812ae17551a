package dev.faultline.harness.verdict;

import java.util.Arrays;

/**
 * The requests of one kind (guesses, new games) the load sent, for the exactly-once check: when each was sent, and
 * when each answered 200 was answered. Bounded: past {@link #MAX} requests it stops recording and says so.
 */
public final class Ledger {
    /** The most requests one ledger keeps (three longs each at most). */
    public static final int MAX = 2_000_000;

    private long[] sent = new long[1024];
    private int sentCount;
    private long[] okSent = new long[1024];
    private long[] okAnswered = new long[1024];
    private int okCount;
    private boolean overflow;

    /** A request of this kind was sent at {@code epochMillis}. */
    public synchronized void sent(long epochMillis) {
        if (sentCount == MAX) {
            overflow = true;
            return;
        }
        if (sentCount == sent.length) {
            sent = Arrays.copyOf(sent, sent.length * 2);
        }
        sent[sentCount++] = epochMillis;
    }

    /** A request sent at {@code sentMillis} was answered 200 at {@code answeredMillis}. */
    public synchronized void answeredOk(long sentMillis, long answeredMillis) {
        if (okCount == MAX) {
            overflow = true;
            return;
        }
        if (okCount == okSent.length) {
            okSent = Arrays.copyOf(okSent, okSent.length * 2);
            okAnswered = Arrays.copyOf(okAnswered, okAnswered.length * 2);
        }
        okSent[okCount] = sentMillis;
        okAnswered[okCount++] = answeredMillis;
    }

    /** Whether it stopped recording at {@link #MAX}. */
    public synchronized boolean overflowed() {
        return overflow;
    }

    /**
     * How many of these requests the server must have applied, and may have applied, between two reads of its
     * counter ({@code from} and {@code to}, each known to lie within its {@link Read} interval). A request answered
     * 200 was applied between its sending and its answer; any other request sent may have been applied at any time
     * after it was sent (an answer other than 200, or none, may come before the server applies it: a retry, bytes
     * held by a fault). Each request is applied at most once when all is well.
     */
    public synchronized Bounds between(Read from, Read to) {
        long must = 0;
        long okBefore = 0;
        for (int i = 0; i < okCount; i++) {
            if (okSent[i] >= from.after() && okAnswered[i] <= to.before()) {
                must++;
            }
            if (okAnswered[i] < from.before()) {
                okBefore++;
            }
        }
        long sentBy = 0;
        for (int i = 0; i < sentCount; i++) {
            if (sent[i] <= to.after()) {
                sentBy++;
            }
        }
        return new Bounds(must, sentBy - okBefore);
    }

    /** A read of a server counter: taken at some moment between {@code before} and {@code after} (epoch ms). */
    public record Read(long before, long after, double value) {
    }

    /** At least {@code must} and at most {@code may} applications are explained by what the load sent. */
    public record Bounds(long must, long may) {
    }
}
