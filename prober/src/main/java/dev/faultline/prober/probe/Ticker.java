package dev.faultline.prober.probe;

import io.vertx.core.Vertx;

/**
 * Runs a task every {@code interval}, each run timed from the start of the previous one. Unlike a fixed-rate
 * periodic timer, a late run (a loaded machine, a GC pause) is not followed by a burst of catch-up runs.
 */
public final class Ticker {
    private final Vertx vertx;
    private final long intervalMs;
    private final Runnable task;
    private volatile boolean cancelled;
    private volatile long timer;

    private Ticker(Vertx vertx, long intervalMs, Runnable task) {
        this.vertx = vertx;
        this.intervalMs = intervalMs;
        this.task = task;
    }

    /** Starts ticking: the first run after {@code initialDelayMs} (0: at once, on the event loop). */
    public static Ticker start(Vertx vertx, long initialDelayMs, long intervalMs, Runnable task) {
        Ticker t = new Ticker(vertx, intervalMs, task);
        t.timer = vertx.setTimer(Math.max(1, initialDelayMs), id -> t.tick());
        return t;
    }

    private void tick() {
        if (cancelled) {
            return;
        }
        timer = vertx.setTimer(intervalMs, id -> tick());
        task.run();
    }

    public void cancel() {
        cancelled = true;
        vertx.cancelTimer(timer);
    }
}
