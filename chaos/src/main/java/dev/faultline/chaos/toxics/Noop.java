package dev.faultline.chaos.toxics;

import io.netty.buffer.ByteBuf;

/** Passes every chunk on untouched: the real server's {@code noop} type, which clients use as a placeholder. */
final class Noop implements Toxic {
    Noop(ToxicSpec spec) {
        // no attributes
    }

    @Override
    public void onData(ByteBuf data, Pipe pipe) {
        pipe.send(data, pipe.now());
    }
}
