package dev.faultline.chaos.toxics;

import io.netty.buffer.ByteBuf;

/**
 * Lets {@code bytes} bytes through in this direction, then closes the connection. The close comes with a chunk,
 * never on its own: with {@code bytes} ≤ 0 (or a limit lowered below what was already sent) the connection stays
 * as it is until the next chunk arrives, which is dropped and closes it, as the real server does.
 */
final class LimitData implements Toxic {
    private final long limit;

    LimitData(ToxicSpec spec) {
        this.limit = spec.attribute("bytes");
    }

    /** Bytes already let through on this connection (kept when the limit is updated). */
    private static final class Sent {
        long bytes;
    }

    @Override
    public void onData(ByteBuf data, Pipe pipe) {
        Sent sent = pipe.state(Sent.class, Sent::new);
        long remaining = Math.max(0, limit - sent.bytes);
        if (remaining < data.readableBytes()) {
            ByteBuf head = data.retainedSlice(data.readerIndex(), (int) remaining);
            data.release();
            data = head;
        }
        if (data.readableBytes() > 0) {
            sent.bytes += data.readableBytes();
            pipe.send(data, pipe.now());
        } else {
            data.release();
        }
        if (sent.bytes >= limit) {
            pipe.close(pipe.now());
        }
    }
}
