package dev.faultline.proxy.http;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.util.ReferenceCountUtil;
import java.net.InetSocketAddress;
import java.util.Map;

/**
 * One client connection: the bytes read go through an {@link HttpReader}; requests are handled one at a time, in
 * order (the head of a pipelined request is not read until the answer before it is complete, and reading pauses
 * while such bytes wait); a request's body goes to its exchange, which may pause reading while the upstream cannot
 * take more.
 *
 * <p>A request head must arrive whole within {@code limits.headerTimeout} of its first byte (empty lines before it
 * count), else the client gets 408 and the connection closes; the time before that first byte is the idle
 * timeout's. The bound is a link in the event loop's {@link Deadlines} lane for that duration, made only when a head
 * is still partial after a read.
 */
final class ClientConnection extends Endpoint implements HttpReader.Sink {
    final Forwarder forwarder;
    final Channel channel;
    /** Upstream pools of this connection's event loop, by host:port. */
    final Map<String, UpstreamPool> pools;
    /** The same pools by route index, once looked up. */
    final UpstreamPool[] poolByRoute;
    /** Attempt timeouts of this connection's event loop by route index, once looked up. */
    final Deadlines[] laneByRoute;
    private final HttpReader reader;
    String remoteAddress;
    /** The exchange whose answer is being made, if any. */
    private Exchange current;
    /** The exchange that receives the body being read, if any (it may be done and then drops it). */
    private Exchange bodyTarget;
    /** Between a request's head and the end of its body. */
    private boolean readingBody;
    private boolean pausedForBody;
    /** Bounds the head being read (see the class comment); counting down when linked into {@link #headLane}. */
    private final Deadlines headLane;
    private final Deadlines.Entry headTimer = new Deadlines.Entry() {
        @Override
        void expired() {
            headTimedOut();
        }
    };

    ClientConnection(Forwarder forwarder, Channel channel, int maxHeaderBytes, long idleTimeoutMillis) {
        super(idleTimeoutMillis);
        this.forwarder = forwarder;
        this.channel = channel;
        this.pools = forwarder.pools(channel.eventLoop());
        this.poolByRoute = new UpstreamPool[forwarder.routeCount()];
        this.laneByRoute = new Deadlines[forwarder.routeCount()];
        this.reader = new HttpReader(true, maxHeaderBytes, forwarder.config.limits().maxBodyBytes(), channel.alloc(),
                this);
        this.headLane = forwarder.lane(channel.eventLoop(), forwarder.config.limits().headerTimeout().toNanos());
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        if (channel.remoteAddress() instanceof InetSocketAddress a && a.getAddress() != null) {
            remoteAddress = a.getAddress().getHostAddress();
        }
        super.channelActive(ctx);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof ByteBuf buf) {
            touch();
            reader.feed(buf);
            headClock();
            if (reader.paused() && reader.hasBuffered()) {
                updateAutoRead(); // a pipelined request waits: read no more until it is its turn
            }
        } else {
            ReferenceCountUtil.release(msg);
        }
    }

    @Override
    public void head(Head head) {
        headLane.remove(headTimer);
        Exchange ex = forwarder.exchange(this, head);
        current = ex;
        bodyTarget = ex;
        readingBody = true;
        ex.begin();
    }

    @Override
    public void content(ByteBuf data, boolean last) {
        Exchange target = bodyTarget;
        if (last) {
            bodyTarget = null;
            readingBody = false;
            if (current != null) {
                reader.pause(); // the next request's turn comes with this one's answer
            }
        }
        if (target != null) {
            target.requestContent(data, last);
        } else {
            data.release();
        }
    }

    @Override
    public void bodyError(int status, String message) {
        Exchange target = bodyTarget;
        bodyTarget = null;
        readingBody = false;
        if (target != null) {
            target.requestBodyError(status, message);
        }
        channel.close(); // the rest of the stream cannot be framed
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        Exchange target = bodyTarget;
        if (target != null) {
            target.requestReadComplete();
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (channel.isWritable() && current != null) {
            current.clientWritable();
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        Exchange ex = current;
        current = null;
        if (ex != null) {
            ex.clientClosed();
        }
        if (bodyTarget != null && bodyTarget != ex) {
            bodyTarget.clientClosed();
        }
        bodyTarget = null;
        reader.release();
        headLane.remove(headTimer);
        super.channelInactive(ctx);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }

    /** The body reader wants the client to stop (or resume) sending. */
    void pauseBody(boolean pause) {
        if (pausedForBody != pause) {
            pausedForBody = pause;
            updateAutoRead();
        }
    }

    private void updateAutoRead() {
        boolean read = !pausedForBody && !(reader.paused() && reader.hasBuffered());
        if (channel.config().isAutoRead() != read) {
            channel.config().setAutoRead(read);
        }
    }

    /** Starts the head's countdown when a head has begun and is not complete (a no-op otherwise, or when counting). */
    private void headClock() {
        if (headTimer.lane == null && reader.awaitingHead()) {
            headLane.add(headTimer, System.nanoTime());
        }
    }

    /** The head did not arrive within the bound: 408, and nothing more is read. */
    private void headTimedOut() {
        if (!channel.isActive() || !reader.awaitingHead()) {
            return;
        }
        reader.release();
        head(Head.malformed(408, "request head not received within "
                + forwarder.config.limits().headerTimeout().toMillis() + " ms"));
    }

    /**
     * The answer of {@code ex} is complete: the rest of its body (if any) is dropped; the next request goes on, unless
     * the answer closes the connection.
     */
    void answered(Exchange ex) {
        if (current != ex) {
            return;
        }
        current = null;
        pausedForBody = false;
        if (!ex.keepAlive) {
            // the answer said Connection: close: nothing after this request is read, not even what is buffered
            // (the close may still wait for the answer's last bytes to leave)
            reader.release();
            return;
        }
        if (!readingBody && channel.isActive()) {
            reader.resume();
            headClock();
        }
        if (channel.isActive()) {
            updateAutoRead();
        }
    }
}
