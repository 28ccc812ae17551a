package dev.faultline.chaos.toxics;

import io.netty.buffer.ByteBuf;

/**
 * On the first data after it starts, waits {@code timeout} milliseconds (0: none) and resets the connection with a
 * TCP RST; the data itself is dropped.
 */
final class ResetPeer implements Toxic {
    private final long timeoutMs;
    private boolean triggered;

    ResetPeer(ToxicSpec spec) {
        this.timeoutMs = spec.attribute("timeout");
    }

    @Override
    public void onData(ByteBuf data, Pipe pipe) {
        data.release();
        if (!triggered) {
            triggered = true;
            pipe.reset(pipe.now() + Math.max(0, timeoutMs) * 1_000_000L);
        }
    }
}
