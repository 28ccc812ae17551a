package dev.faultline.chaos.toxics;

import io.netty.buffer.ByteBuf;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Cuts each chunk into pieces of about {@code average_size} ± {@code size_variation} bytes (halving it until the
 * pieces are small enough), sent {@code delay} microseconds apart.
 */
final class Slicer implements Toxic {
    private final int averageSize;
    private final int sizeVariation;
    private final long delayMicros;

    Slicer(ToxicSpec spec) {
        this.averageSize = (int) Math.max(0, Math.min(Integer.MAX_VALUE, spec.attribute("average_size")));
        this.sizeVariation = (int) Math.max(0, Math.min(Integer.MAX_VALUE / 4, spec.attribute("size_variation")));
        this.delayMicros = Math.max(0, spec.attribute("delay"));
    }

    @Override
    public void onData(ByteBuf data, Pipe pipe) {
        List<Integer> cuts = new ArrayList<>();
        cut(0, data.readableBytes(), cuts);
        long at = pipe.now();
        int start = 0;
        for (int end : cuts) {
            if (end > start) {
                pipe.send(data.retainedSlice(data.readerIndex() + start, end - start), at);
                at += delayMicros * 1_000L;
            }
            start = end;
        }
        data.release();
    }

    /** Adds the end offsets of the pieces of [start, end) to {@code cuts}. */
    private void cut(int start, int end, List<Integer> cuts) {
        if ((end - start) - averageSize <= sizeVariation || end - start <= 1) {
            cuts.add(end);
            return;
        }
        int mid = start + (end - start) / 2;
        if (sizeVariation > 0) {
            mid += ThreadLocalRandom.current().nextInt(sizeVariation * 2) - sizeVariation;
            mid = Math.max(start + 1, Math.min(end - 1, mid));
        }
        cut(start, mid, cuts);
        cut(mid, end, cuts);
    }
}
