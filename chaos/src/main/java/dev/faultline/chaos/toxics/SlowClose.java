package dev.faultline.chaos.toxics;

import io.netty.buffer.ByteBuf;

/** Passes data unchanged but delays the close of the stream by {@code delay} milliseconds. */
final class SlowClose implements Toxic {
    private final long delayMs;

    SlowClose(ToxicSpec spec) {
        this.delayMs = spec.attribute("delay");
    }

    @Override
    public void onData(ByteBuf data, Pipe pipe) {
        pipe.send(data, pipe.now());
    }

    @Override
    public void onEnd(Pipe pipe) {
        pipe.end(pipe.now() + Math.max(0, delayMs) * 1_000_000L);
    }
}
