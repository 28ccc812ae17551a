package dev.faultline.chaos.toxics;

import io.netty.buffer.ByteBuf;

/**
 * One toxic acting on one direction of one connection. All calls come on the connection's event loop, so a toxic
 * needs no locks. Whether the toxic applies at all ({@code toxicity}) is decided by the stage around it, never here.
 */
public interface Toxic {
    /** A chunk arrived (the toxic owns it: pass it on through {@code pipe}, slice it, or release it). */
    void onData(ByteBuf data, Pipe pipe);

    /** The sending side closed its stream; by default the end is passed on after the data before it. */
    default void onEnd(Pipe pipe) {
        pipe.end(pipe.now());
    }

    /** The toxic starts on a connection: when the connection opens, or when the toxic is added or updated. */
    default void onStart(Pipe pipe) {
    }

    /** The toxic is removed while the connection lives; pending data is flushed by the stage afterwards. */
    default void onRemove(Pipe pipe) {
    }
}
