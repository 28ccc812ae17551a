package dev.faultline.proxy.http;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.Map;

/**
 * One client connection: requests are handled one at a time, in order (a pipelined request waits, with reading
 * paused, until the answer before it is complete); request bodies go to their exchange, which may pause reading
 * while the upstream cannot take more.
 */
final class ClientConnection extends ChannelInboundHandlerAdapter {
    final Forwarder forwarder;
    final Channel channel;
    /** Upstream pools of this connection's event loop, by host:port. */
    final Map<String, UpstreamPool> pools;
    /** The same pools by route index, once looked up. */
    final UpstreamPool[] poolByRoute;
    String remoteAddress;
    /** The exchange whose answer is being made, if any. */
    private Forwarder.Exchange current;
    /** The exchange that receives the body being read, if any (it may be done and then drops it). */
    private Forwarder.Exchange bodyTarget;
    /** Messages of pipelined requests read before the answer ahead of them was complete. */
    private ArrayDeque<Object> waiting;
    private boolean pausedForOrder;
    private boolean pausedForBody;

    ClientConnection(Forwarder forwarder, Channel channel) {
        this.forwarder = forwarder;
        this.channel = channel;
        this.pools = forwarder.pools(channel.eventLoop());
        this.poolByRoute = new UpstreamPool[forwarder.routeCount()];
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        if (channel.remoteAddress() instanceof InetSocketAddress a && a.getAddress() != null) {
            remoteAddress = a.getAddress().getHostAddress();
        }
        ctx.fireChannelActive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (waiting != null && !waiting.isEmpty() || (msg instanceof HttpRequest && current != null)) {
            if (waiting == null) {
                waiting = new ArrayDeque<>();
            }
            waiting.addLast(msg);
            pausedForOrder = true;
            updateAutoRead();
            return;
        }
        dispatch(msg);
    }

    private void dispatch(Object msg) {
        if (msg instanceof HttpRequest req) {
            Forwarder.Exchange ex = forwarder.exchange(this, req);
            current = ex;
            bodyTarget = ex;
            ex.begin();
        }
        if (msg instanceof HttpContent content) {
            Forwarder.Exchange target = bodyTarget;
            if (content instanceof LastHttpContent) {
                bodyTarget = null;
            }
            if (target != null) {
                target.requestContent(content);
            } else {
                content.release();
            }
        } else if (!(msg instanceof HttpRequest)) {
            ReferenceCountUtil.release(msg);
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        Forwarder.Exchange target = bodyTarget;
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
        Forwarder.Exchange ex = current;
        current = null;
        if (ex != null) {
            ex.clientClosed();
        }
        if (bodyTarget != null && bodyTarget != ex) {
            bodyTarget.clientClosed();
        }
        bodyTarget = null;
        if (waiting != null) {
            waiting.forEach(ReferenceCountUtil::release);
            waiting.clear();
        }
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
        boolean read = !pausedForOrder && !pausedForBody;
        if (channel.config().isAutoRead() != read) {
            channel.config().setAutoRead(read);
        }
    }

    /** The answer of {@code ex} is complete: the rest of its body (if any) is dropped; the next request goes on. */
    void answered(Forwarder.Exchange ex) {
        if (current != ex) {
            return;
        }
        current = null;
        pausedForBody = false;
        if (waiting != null) {
            // a request's head waits while an answer is being made; its body (queued behind it) goes with it
            while (!waiting.isEmpty() && channel.isActive() && (current == null || !(waiting.peekFirst() instanceof HttpRequest))) {
                dispatch(waiting.pollFirst());
            }
            if (waiting.isEmpty()) {
                pausedForOrder = false;
            }
        }
        if (channel.isActive()) {
            updateAutoRead();
        }
    }
}
