package dev.faultline.proxy.http;

import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Closes a connection on which nothing was read or written for the idle timeout (give or take a quarter of it).
 * Cheaper per message than Netty's IdleStateHandler, which turns every write's void promise into a real one to
 * listen for its completion: here a read or a write only sets a flag, and a check every quarter of the timeout
 * closes the connection after four quiet quarters in a row. {@code busy} connections (an upstream connection
 * lent to an exchange that waits for its answer) are exempt: the attempt's timeout bounds them.
 */
class IdleTimeout extends ChannelDuplexHandler {
    private static final int QUARTERS = 4;
    private final long checkNanos;
    private boolean active;
    private int quiet;
    private ScheduledFuture<?> check;

    IdleTimeout(long timeoutMillis) {
        this.checkNanos = Math.max(1, TimeUnit.MILLISECONDS.toNanos(timeoutMillis) / QUARTERS);
    }

    /** Whether the connection is in use in a way that idleness must not end (see the class comment). */
    boolean busy() {
        return false;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        if (ctx.channel().isActive() && ctx.channel().isRegistered()) {
            start(ctx);
        }
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        start(ctx);
        ctx.fireChannelActive();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        stop();
        ctx.fireChannelInactive();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        stop();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        active = true;
        ctx.fireChannelRead(msg);
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        active = true;
        ctx.write(msg, promise);
    }

    private void start(ChannelHandlerContext ctx) {
        if (check == null) {
            check = ctx.executor().scheduleAtFixedRate(() -> tick(ctx), checkNanos, checkNanos, TimeUnit.NANOSECONDS);
        }
    }

    private void stop() {
        if (check != null) {
            check.cancel(false);
            check = null;
        }
    }

    private void tick(ChannelHandlerContext ctx) {
        if (active || busy()) {
            active = false;
            quiet = 0;
        } else if (++quiet >= QUARTERS) {
            stop();
            ctx.close();
        }
    }
}
