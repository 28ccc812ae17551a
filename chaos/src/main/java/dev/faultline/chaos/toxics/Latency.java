package dev.faultline.chaos.toxics;

import io.netty.buffer.ByteBuf;
import java.util.concurrent.ThreadLocalRandom;

/** Delays every chunk by {@code latency} ± {@code jitter} milliseconds, counted from when it arrived. */
final class Latency implements Toxic {
    private final long latencyMs;
    private final long jitterMs;

    Latency(ToxicSpec spec) {
        this.latencyMs = spec.attribute("latency");
        this.jitterMs = spec.attribute("jitter");
    }

    @Override
    public void onData(ByteBuf data, Pipe pipe) {
        long delayMs = latencyMs;
        if (jitterMs > 0) {
            delayMs += ThreadLocalRandom.current().nextLong(2 * jitterMs) - jitterMs;
        }
        pipe.send(data, pipe.now() + Math.max(0, delayMs) * 1_000_000L);
    }
}
