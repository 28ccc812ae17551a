package dev.faultline.chaos.toxics;

import io.netty.buffer.ByteBuf;

/**
 * What a toxic can do with the stream it sits on. Every action is ordered: nothing passes an action scheduled
 * before it, so a later deadline never overtakes an earlier one.
 */
public interface Pipe {
    /** Monotonic time in nanoseconds (the event loop's clock). */
    long now();

    /** Passes data on to the next stage at {@code atNanos} (or right after what was scheduled before). */
    void send(ByteBuf data, long atNanos);

    /** Passes the end of the stream on at {@code atNanos}: the connection closes once the data before it is written. */
    void end(long atNanos);

    /** Closes the connection (both sides, with FIN) at {@code atNanos}. */
    void close(long atNanos);

    /** Resets the connection (both sides, TCP RST) at {@code atNanos}. */
    void reset(long atNanos);

    /** State kept per connection across updates of the toxic's attributes (e.g. bytes already let through). */
    <T> T state(Class<T> type, java.util.function.Supplier<T> initial);
}
