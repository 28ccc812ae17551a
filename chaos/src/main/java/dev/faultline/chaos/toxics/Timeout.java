package dev.faultline.chaos.toxics;

import io.netty.buffer.ByteBuf;

/**
 * Stops all data (it is dropped) and closes the connection after {@code timeout} milliseconds; with 0 the
 * connection stays open until the toxic is removed. Removing the toxic closes the connections it held, as the
 * real Toxiproxy does.
 */
final class Timeout implements Toxic {
    private final long timeoutMs;

    Timeout(ToxicSpec spec) {
        this.timeoutMs = spec.attribute("timeout");
    }

    @Override
    public void onStart(Pipe pipe) {
        if (timeoutMs > 0) {
            pipe.close(pipe.now() + timeoutMs * 1_000_000L);
        }
    }

    @Override
    public void onData(ByteBuf data, Pipe pipe) {
        data.release();
    }

    @Override
    public void onEnd(Pipe pipe) {
        pipe.close(pipe.now());
    }

    @Override
    public void onRemove(Pipe pipe) {
        pipe.close(pipe.now());
    }
}
