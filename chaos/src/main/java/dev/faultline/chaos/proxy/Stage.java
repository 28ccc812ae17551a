package dev.faultline.chaos.proxy;

import dev.faultline.chaos.toxics.Pipe;
import dev.faultline.chaos.toxics.Toxic;
import dev.faultline.chaos.toxics.ToxicSpec;
import io.netty.buffer.ByteBuf;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * One toxic on one direction of one connection. Rolls {@code toxicity} once per start (the only place that does),
 * keeps the toxic's actions in order with one timer for the earliest, and on update or removal passes every
 * pending chunk on at once, so nothing is ever dropped by an interruption.
 */
final class Stage implements Hop, Pipe {
    private enum Kind { DATA, END, CLOSE, RESET }

    private record Action(Kind kind, ByteBuf data, long at) {
    }

    private final Link link;
    private final Map<Class<?>, Object> state = new HashMap<>();
    private final ArrayDeque<Action> queue = new ArrayDeque<>();
    Hop next;
    private ToxicSpec spec;
    private Toxic toxic;
    private boolean active;
    private long lastAt = Long.MIN_VALUE;
    private ScheduledFuture<?> timer;
    private boolean disposed;

    Stage(Link link, ToxicSpec spec, Hop next) {
        this.link = link;
        this.next = next;
        start(spec);
    }

    String name() {
        return spec.name();
    }

    private void start(ToxicSpec newSpec) {
        spec = newSpec;
        toxic = newSpec.type().create(newSpec);
        active = ThreadLocalRandom.current().nextFloat() < newSpec.toxicity();
        if (active) {
            toxic.onStart(this);
        }
    }

    /** New attributes or toxicity: pending data moves on, then the toxic starts again (state is kept). */
    void update(ToxicSpec newSpec) {
        interrupt();
        start(newSpec);
    }

    /** The toxic leaves this connection: pending data moves on, then the toxic gets its last word. */
    void remove() {
        interrupt();
        disposed = true;
        if (active) {
            toxic.onRemove(this);
        }
    }

    @Override
    public void accept(ByteBuf data) {
        if (active) {
            toxic.onData(data, this);
        } else {
            send(data, now());
        }
    }

    @Override
    public void acceptEnd() {
        if (active) {
            toxic.onEnd(this);
        } else {
            end(now());
        }
    }

    @Override
    public long now() {
        return System.nanoTime();
    }

    @Override
    public void send(ByteBuf data, long atNanos) {
        schedule(new Action(Kind.DATA, data, atNanos));
    }

    @Override
    public void end(long atNanos) {
        schedule(new Action(Kind.END, null, atNanos));
    }

    @Override
    public void close(long atNanos) {
        schedule(new Action(Kind.CLOSE, null, atNanos));
    }

    @Override
    public void reset(long atNanos) {
        schedule(new Action(Kind.RESET, null, atNanos));
    }

    @Override
    @SuppressWarnings("unchecked")
    public <T> T state(Class<T> type, Supplier<T> initial) {
        return (T) state.computeIfAbsent(type, k -> initial.get());
    }

    private void schedule(Action action) {
        long at = Math.max(action.at(), lastAt);
        lastAt = at;
        if (disposed || (queue.isEmpty() && at <= now())) {
            run(action);
            return;
        }
        if (action.data() != null) {
            link.queued(action.data().readableBytes());
        }
        queue.add(new Action(action.kind(), action.data(), at));
        if (timer == null) {
            arm();
        }
    }

    private void arm() {
        Action head = queue.peek();
        long delay = Math.max(0, head.at() - now());
        timer = link.eventLoop().schedule(this::fire, delay, TimeUnit.NANOSECONDS);
    }

    private void fire() {
        timer = null;
        long now = now();
        while (!queue.isEmpty() && queue.peek().at() <= now) {
            dequeueAndRun();
        }
        if (!queue.isEmpty()) {
            arm();
        }
        link.afterTimer();
    }

    private void dequeueAndRun() {
        Action a = queue.poll();
        if (a.data() != null) {
            link.queued(-a.data().readableBytes());
        }
        run(a);
    }

    private void run(Action a) {
        switch (a.kind()) {
            case DATA -> next.accept(a.data());
            case END -> next.acceptEnd();
            case CLOSE -> link.connection().close();
            case RESET -> link.connection().reset();
            default -> throw new IllegalStateException(a.kind().name());
        }
    }

    /** Cancels the timer; pending data and ends move on now, pending closes and resets are dropped. */
    private void interrupt() {
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
        lastAt = Long.MIN_VALUE;
        while (!queue.isEmpty()) {
            Action a = queue.poll();
            if (a.data() != null) {
                link.queued(-a.data().readableBytes());
                next.accept(a.data());
            } else if (a.kind() == Kind.END) {
                next.acceptEnd();
            }
        }
    }

    /** The connection is gone: cancel the timer and release what is held. */
    void dispose() {
        disposed = true;
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
        while (!queue.isEmpty()) {
            Action a = queue.poll();
            if (a.data() != null) {
                link.queued(-a.data().readableBytes());
                a.data().release();
            }
        }
    }
}
