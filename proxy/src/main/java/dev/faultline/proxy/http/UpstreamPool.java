package dev.faultline.proxy.http;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFactory;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.buffer.ByteBuf;
import io.netty.util.ReferenceCountUtil;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * Keep-alive HTTP/1.1 connections to one upstream, owned by one event loop (every method runs on it): idle
 * connections are reused last-in first-out, at most {@code max} are open, and up to {@code maxWaiters} attempts
 * wait for one beyond that. Idle connections close after the idle timeout.
 */
final class UpstreamPool {
    /** What an attempt is told: a connection to write its request on, or why there is none. */
    interface Waiter {
        void connected(Channel ch);

        void connectFailed(Throwable cause);
    }

    private final EventLoop loop;
    private final Bootstrap bootstrap;
    private final InetSocketAddress address;
    private final int max;
    private final int maxWaiters;
    private final ArrayDeque<Channel> idle = new ArrayDeque<>();
    private final ArrayDeque<Waiter> waiters = new ArrayDeque<>();
    private int open;

    UpstreamPool(EventLoop loop, ChannelFactory<? extends Channel> channels, String host, int port, int connectTimeoutMs,
                 int max, int maxWaiters, int maxHeaderBytes, long idleTimeoutMs) {
        this.loop = loop;
        this.address = InetSocketAddress.createUnresolved(host, port);
        this.max = max;
        this.maxWaiters = maxWaiters;
        this.bootstrap = new Bootstrap().group(loop).channelFactory(channels)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, connectTimeoutMs)
                .resolver(io.netty.resolver.DefaultAddressResolverGroup.INSTANCE)
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast("upstream", new Handler(ch, maxHeaderBytes, idleTimeoutMs));
                    }
                });
    }

    /** Hands {@code w} an idle connection, a new one, or a place in the queue; never calls back re-entrantly late. */
    void acquire(Waiter w) {
        Channel ch;
        while ((ch = idle.pollLast()) != null) {
            if (ch.isActive()) {
                w.connected(ch);
                return;
            }
        }
        if (open < max) {
            connect(w);
        } else if (waiters.size() < maxWaiters) {
            waiters.addLast(w);
        } else {
            w.connectFailed(new RejectedExecutionException("too many requests waiting for an upstream connection"));
        }
    }

    /** An attempt that stopped waiting (timed out) leaves the queue. */
    void cancel(Waiter w) {
        waiters.remove(w);
    }

    /** A connection whose exchange is over: reused when it can be, else closed. */
    void release(Channel ch, boolean reusable) {
        Handler h = handler(ch);
        h.exchange = null;
        if (!reusable || !ch.isActive() || !h.reader.idle()) {
            ch.close();
            return;
        }
        if (!ch.config().isAutoRead()) {
            ch.config().setAutoRead(true);
        }
        Waiter next = waiters.pollFirst();
        if (next != null) {
            next.connected(ch);
        } else {
            idle.addLast(ch);
        }
    }

    static Handler handler(Channel ch) {
        return (Handler) ch.pipeline().last(); // added last, never removed
    }

    private void connect(Waiter w) {
        open++;
        ChannelFuture f = bootstrap.connect(address);
        f.channel().closeFuture().addListener(x -> closed(f.channel()));
        f.addListener(x -> {
            if (f.isSuccess()) {
                w.connected(f.channel());
            } else {
                w.connectFailed(f.cause());
            }
        });
    }

    private void closed(Channel ch) {
        open--;
        idle.remove(ch);
        if (!waiters.isEmpty() && open < max && !loop.isShuttingDown()) {
            connect(waiters.pollFirst());
        }
    }

    /** Closes the idle connections (shutdown). */
    void closeIdle() {
        for (Channel ch : idle.toArray(new Channel[0])) {
            ch.close();
        }
    }

    /** Reads what the upstream sends and passes it to the exchange that owns the connection. */
    static final class Handler extends Endpoint implements HttpReader.Sink {
        final HttpReader reader;
        private final Channel channel;
        Exchange exchange;

        Handler(Channel channel, int maxHeaderBytes, long idleTimeoutMillis) {
            super(idleTimeoutMillis);
            this.channel = channel;
            this.reader = new HttpReader(false, maxHeaderBytes, channel.alloc(), this);
        }

        @Override
        boolean busy() {
            return exchange != null;
        }

        /** The next answer is to a HEAD request. */
        void expectBodyless(boolean bodyless) {
            reader.expectBodyless(bodyless);
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof ByteBuf buf) {
                touch();
                reader.feed(buf);
            } else {
                ReferenceCountUtil.release(msg);
            }
        }

        @Override
        public void head(Head head) {
            Exchange ex = exchange;
            if (ex != null) {
                ex.upstreamHead(head);
            } else {
                reader.release();
                channel.close(); // an answer nobody asked for: the connection is not reusable
            }
        }

        @Override
        public void content(ByteBuf data, boolean last) {
            Exchange ex = exchange;
            if (ex != null) {
                ex.upstreamContent(data, last);
            } else {
                data.release();
            }
        }

        @Override
        public void bodyError(int status, String message) {
            Exchange ex = exchange;
            exchange = null;
            reader.release();
            if (ex != null) {
                ex.upstreamFailed(new java.io.IOException("malformed upstream answer: " + message));
            }
            channel.close();
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            Exchange ex = exchange;
            if (ex != null) {
                ex.upstreamReadComplete();
            }
        }

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) {
            Exchange ex = exchange;
            if (ex != null && ctx.channel().isWritable()) {
                ex.upstreamWritable();
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            reader.inputClosed(); // a close-delimited answer ends here
            reader.release();
            Exchange ex = exchange;
            exchange = null;
            if (ex != null) {
                ex.upstreamFailed(new java.io.IOException("upstream connection closed"));
            }
            super.channelInactive(ctx);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            Exchange ex = exchange;
            exchange = null;
            if (ex != null) {
                ex.upstreamFailed(cause);
            }
            ctx.close();
        }
    }
}
