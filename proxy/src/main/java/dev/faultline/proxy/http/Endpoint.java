package dev.faultline.proxy.http;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * One end of the proxy's traffic (a client connection, or an upstream one): the only handler of its channel's
 * pipeline, so that what is read reaches it straight from the socket and what it writes goes straight to the socket
 * (through its own context, not the pipeline's tail), and the idle timeout it keeps costs a flag per read and write.
 *
 * <p>Idle timeout: a connection on which nothing was read or written for the timeout (give or take a quarter of it)
 * is closed; a check every quarter of the timeout closes it after four quiet quarters in a row. {@link #busy()}
 * connections (an upstream connection lent to an exchange that waits for its answer) are exempt: the attempt's
 * timeout bounds them. Every method runs on the channel's event loop.
 */
abstract class Endpoint extends ChannelInboundHandlerAdapter {
    private static final int QUARTERS = 4;
    private final long checkNanos;
    private ChannelHandlerContext ctx;
    private boolean active;
    private int quiet;
    private ScheduledFuture<?> check;

    Endpoint(long idleTimeoutMillis) {
        this.checkNanos = Math.max(1, TimeUnit.MILLISECONDS.toNanos(idleTimeoutMillis) / QUARTERS);
    }

    /** Whether the connection is in use in a way that idleness must not end (see the class comment). */
    boolean busy() {
        return false;
    }

    /** Something was read. */
    final void touch() {
        active = true;
    }

    final void write(ByteBuf data) {
        active = true;
        ctx.write(data, ctx.voidPromise());
    }

    final void flush() {
        ctx.flush();
    }

    final void writeAndFlush(ByteBuf data) {
        active = true;
        ctx.writeAndFlush(data, ctx.voidPromise());
    }

    /** Writes {@code data}, then closes the connection once it is written. */
    final void writeAndClose(ByteBuf data) {
        active = true;
        ctx.writeAndFlush(data).addListener(ChannelFutureListener.CLOSE);
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        if (ctx.channel().isActive() && ctx.channel().isRegistered()) {
            startIdleCheck();
        }
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        startIdleCheck();
        ctx.fireChannelActive();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        stopIdleCheck();
        ctx.fireChannelInactive();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        stopIdleCheck();
    }

    private void startIdleCheck() {
        if (check == null) {
            check = ctx.executor().scheduleAtFixedRate(this::tick, checkNanos, checkNanos, TimeUnit.NANOSECONDS);
        }
    }

    private void stopIdleCheck() {
        if (check != null) {
            check.cancel(false);
            check = null;
        }
    }

    private void tick() {
        if (active || busy()) {
            active = false;
            quiet = 0;
        } else if (++quiet >= QUARTERS) {
            stopIdleCheck();
            ctx.close();
        }
    }
}
