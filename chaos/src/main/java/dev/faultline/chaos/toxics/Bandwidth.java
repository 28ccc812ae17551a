package dev.faultline.chaos.toxics;

import io.netty.buffer.ByteBuf;

/** Caps the rate at {@code rate} KB/s (1 KB = 1000 bytes); 0 means no cap. Large chunks go out in 100 ms pieces. */
final class Bandwidth implements Toxic {
    private final long rateKbPerSecond;

    Bandwidth(ToxicSpec spec) {
        this.rateKbPerSecond = spec.attribute("rate");
    }

    /** When the link is free again, per connection. */
    private static final class Clock {
        long freeAt = Long.MIN_VALUE;
    }

    @Override
    public void onData(ByteBuf data, Pipe pipe) {
        if (rateKbPerSecond <= 0) {
            pipe.send(data, pipe.now());
            return;
        }
        Clock clock = pipe.state(Clock.class, Clock::new);
        long bytesPerPiece = rateKbPerSecond * 100; // 100 ms worth
        long at = Math.max(pipe.now(), clock.freeAt);
        while (data.readableBytes() > 0) {
            int n = (int) Math.min(data.readableBytes(), bytesPerPiece);
            ByteBuf piece = data.readRetainedSlice(n);
            at += n * 1_000_000L / rateKbPerSecond; // n bytes at rate KB/s take n / (rate * 1000) s
            pipe.send(piece, at);
        }
        data.release();
        clock.freeAt = at;
    }
}
