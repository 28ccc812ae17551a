package dev.faultline.chaos.proxy;

import dev.faultline.chaos.toxics.ToxicSpec;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import java.util.List;

/**
 * A client connection and its upstream connection, on one event loop, with a link each way. Closing either side
 * closes both; a reset closes both with SO_LINGER 0 (TCP RST).
 */
final class Connection {
    private final Proxy proxy;
    final Channel client;
    final Channel upstream;
    private Link up;
    private Link down;
    private boolean closed;

    Connection(Proxy proxy, Channel client, Channel upstream) {
        this.proxy = proxy;
        this.client = client;
        this.upstream = upstream;
    }

    /** Builds both links from the toxics in force; called on the event loop before any data flows. */
    void start(List<ToxicSpec> upstreamToxics, List<ToxicSpec> downstreamToxics, ProxyMetrics.Bytes bytes) {
        up = new Link(this, client, upstream, upstreamToxics, bytes.sentUp());
        down = new Link(this, upstream, client, downstreamToxics, bytes.sentDown());
        client.pipeline().addLast(new Relay(up, down, bytes));
        upstream.pipeline().addLast(new Relay(down, up, bytes));
        client.config().setAutoRead(true);
        upstream.config().setAutoRead(true);
    }

    boolean open() {
        return !closed;
    }

    Link link(ToxicSpec.Direction direction) {
        return direction == ToxicSpec.Direction.UPSTREAM ? up : down;
    }

    /** Runs a change to the links on this connection's event loop; the future completes when it ran. */
    io.netty.util.concurrent.Future<?> execute(Runnable r) {
        return client.eventLoop().submit(() -> {
            if (!closed) {
                r.run();
            }
        });
    }

    /** Flushes what was written, then closes both sides with FIN. */
    void close() {
        if (closed) {
            return;
        }
        closed = true;
        dispose();
        closeAfterFlush(client);
        closeAfterFlush(upstream);
    }

    /** Closes both sides at once with a TCP RST, discarding unsent data. */
    void reset() {
        if (closed) {
            return;
        }
        closed = true;
        dispose();
        for (Channel c : new Channel[] {client, upstream}) {
            if (c.isOpen()) {
                c.config().setOption(ChannelOption.SO_LINGER, 0);
                c.close();
            }
        }
    }

    private void dispose() {
        if (up != null) {
            up.dispose();
            down.dispose();
        }
        proxy.connectionClosed(this);
    }

    private static void closeAfterFlush(Channel c) {
        if (c.isActive()) {
            c.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
        } else {
            c.close();
        }
    }

    /** Reads from one side into its link; the other link resumes when this side can take writes again. */
    private final class Relay extends ChannelInboundHandlerAdapter {
        private final Link in;
        private final Link out;
        private final ProxyMetrics.Bytes bytes;

        Relay(Link in, Link out, ProxyMetrics.Bytes bytes) {
            this.in = in;
            this.out = out;
            this.bytes = bytes;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf data = (ByteBuf) msg;
            if (closed) {
                data.release();
                return;
            }
            (in == up ? bytes.receivedUp() : bytes.receivedDown()).increment(data.readableBytes());
            in.accept(data);
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            in.flush();
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            if (!closed) {
                in.acceptEnd();
            }
        }

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) {
            out.resumeIfDrained();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            close();
        }
    }
}
