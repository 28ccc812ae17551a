package dev.faultline.wordgame.http;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMessage;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.impl.VertxHttpRequestDecoder;
import io.vertx.core.net.impl.ConnectionBase;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A request with both {@code Transfer-Encoding} and {@code Content-Length} is refused (RFC 9112 §6.1 lets a server
 * reject it, and a front end that frames by the other header is how requests get smuggled). The HTTP/1.1 codec
 * settles the conflict by itself: Transfer-Encoding wins and the {@code Content-Length} header is dropped before
 * the request is seen. {@link #install} swaps in a decoder that keeps it, so that {@link #conflicting} sees both
 * on the request head, and that decodes nothing after such a head: neither its body nor any request pipelined
 * behind it reaches a handler. The request handler answers 400 and closes the connection.
 *
 * <p>This reaches into Vert.x internals (the connection's Netty pipeline and its decoder named
 * {@code httpDecoder}), and needs the connection to exist before its first request is decoded (so no h2c on the
 * listener); {@code RobustnessTest} pins the behaviour, and a Vert.x whose pipeline differs is logged once at WARN.
 */
final class FramingCheck {
    private static final Logger LOG = LoggerFactory.getLogger(FramingCheck.class);
    private static final String DECODER = "httpDecoder";
    private static final AtomicBoolean WARNED = new AtomicBoolean();

    private FramingCheck() {
    }

    /** True when the request head carries both framing headers. */
    static boolean conflicting(MultiMap headers) {
        return headers.contains(HttpHeaderNames.TRANSFER_ENCODING) && headers.contains(HttpHeaderNames.CONTENT_LENGTH);
    }

    private static boolean conflicting(HttpHeaders headers) {
        return headers.contains(HttpHeaderNames.TRANSFER_ENCODING) && headers.contains(HttpHeaderNames.CONTENT_LENGTH);
    }

    /** Replaces the HTTP/1.x connection's request decoder by {@link StrictDecoder}. */
    static void install(HttpConnection connection, HttpServerOptions options) {
        if (!(connection instanceof ConnectionBase base)) {
            return;
        }
        ChannelPipeline pipeline = base.channelHandlerContext().pipeline();
        ChannelHandler decoder = pipeline.get(DECODER);
        if (decoder instanceof StrictDecoder) {
            return;
        }
        if (decoder != null && decoder.getClass() == VertxHttpRequestDecoder.class) {
            pipeline.replace(DECODER, DECODER, new StrictDecoder(options));
        } else if (WARNED.compareAndSet(false, true)) {
            LOG.warn("cannot check requests for Transfer-Encoding with Content-Length: unexpected decoder {}",
                    decoder == null ? "none" : decoder.getClass().getName());
        }
    }

    /**
     * Vert.x's decoder, except that Content-Length stays on a request that has Transfer-Encoding too, and that once
     * such a head is decoded every further byte of the connection is dropped.
     */
    private static final class StrictDecoder extends VertxHttpRequestDecoder {
        private boolean refused;

        StrictDecoder(HttpServerOptions options) {
            super(options);
        }

        @Override
        protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) throws Exception {
            if (refused) {
                in.skipBytes(in.readableBytes());
                return;
            }
            super.decode(ctx, in, out);
        }

        /** Called on every head once its fields are parsed, before the framing is chosen. */
        @Override
        protected boolean isContentAlwaysEmpty(HttpMessage message) {
            if (conflicting(message.headers())) {
                refused = true;
            }
            return super.isContentAlwaysEmpty(message);
        }

        @Override
        protected void handleTransferEncodingChunkedWithContentLength(HttpMessage message) {
            List<String> lengths = message.headers().getAll(HttpHeaderNames.CONTENT_LENGTH);
            super.handleTransferEncodingChunkedWithContentLength(message);
            message.headers().add(HttpHeaderNames.CONTENT_LENGTH, lengths);
        }
    }
}
