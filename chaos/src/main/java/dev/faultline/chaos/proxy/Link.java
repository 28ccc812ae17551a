package dev.faultline.chaos.proxy;

import dev.faultline.chaos.toxics.ToxicSpec;
import io.micrometer.core.instrument.Counter;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import java.util.ArrayList;
import java.util.List;

/**
 * One direction of one connection: data read from {@code source} passes the chain of stages (one per toxic, in
 * creation order) and is written to {@code dest}. Runs on the connection's event loop only. Reading stops while
 * the destination is not writable or the stages hold more than {@link #HIGH_WATER} bytes.
 */
final class Link {
    static final int HIGH_WATER = 1 << 20;
    static final int LOW_WATER = 256 << 10;

    private final Connection connection;
    private final Channel source;
    private final Channel dest;
    private final Counter sentBytes;
    private final List<Stage> stages = new ArrayList<>();
    private final Sink sink = new Sink();
    private Hop head = sink;
    private long queuedBytes;
    private boolean dirty;

    Link(Connection connection, Channel source, Channel dest, List<ToxicSpec> toxics, Counter sentBytes) {
        this.connection = connection;
        this.source = source;
        this.dest = dest;
        this.sentBytes = sentBytes;
        for (ToxicSpec spec : toxics) {
            add(spec);
        }
    }

    Connection connection() {
        return connection;
    }

    EventLoop eventLoop() {
        return source.eventLoop();
    }

    void add(ToxicSpec spec) {
        Stage stage = new Stage(this, spec, sink);
        if (stages.isEmpty()) {
            head = stage;
        } else {
            stages.get(stages.size() - 1).next = stage;
        }
        stages.add(stage);
    }

    void update(ToxicSpec spec) {
        for (Stage s : stages) {
            if (s.name().equals(spec.name())) {
                s.update(spec);
            }
        }
        afterTimer();
    }

    void remove(String name) {
        for (int i = 0; i < stages.size(); i++) {
            Stage s = stages.get(i);
            if (s.name().equals(name)) {
                Hop after = s.next;
                // the stage's pending data goes on to its successor before the chain is cut around it
                stages.remove(i);
                if (i == 0) {
                    head = after;
                } else {
                    stages.get(i - 1).next = after;
                }
                s.remove();
                break;
            }
        }
        afterTimer();
    }

    /** Data read from the source. */
    void accept(ByteBuf data) {
        head.accept(data);
        throttle();
    }

    /** The source closed. */
    void acceptEnd() {
        head.acceptEnd();
        flush();
    }

    /** After a read burst: flush what was written. */
    void flush() {
        if (dirty) {
            dirty = false;
            dest.flush();
        }
    }

    void queued(long delta) {
        queuedBytes += delta;
    }

    /** After stages released data on a timer (or the chain changed): flush, and maybe read again. */
    void afterTimer() {
        flush();
        resumeIfDrained();
    }

    private void throttle() {
        if (source.config().isAutoRead() && (queuedBytes > HIGH_WATER || !dest.isWritable())) {
            source.config().setAutoRead(false);
        }
    }

    void resumeIfDrained() {
        if (!source.config().isAutoRead() && queuedBytes < LOW_WATER && dest.isWritable() && connection.open()) {
            source.config().setAutoRead(true);
        }
    }

    void dispose() {
        for (Stage s : stages) {
            s.dispose();
        }
    }

    /** The end of the chain: writes to the destination socket. */
    private final class Sink implements Hop {
        @Override
        public void accept(ByteBuf data) {
            if (!dest.isActive()) {
                data.release();
                return;
            }
            sentBytes.increment(data.readableBytes());
            dest.write(data, dest.voidPromise());
            dirty = true;
        }

        @Override
        public void acceptEnd() {
            connection.close();
        }
    }
}
