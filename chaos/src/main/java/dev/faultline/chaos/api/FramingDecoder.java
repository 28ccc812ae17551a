package dev.faultline.chaos.api;

import io.netty.handler.codec.http.HttpMessage;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.impl.VertxHttpRequestDecoder;
import io.vertx.core.net.impl.ConnectionBase;

/**
 * Vert.x's request decoder, except that a request with both {@code Transfer-Encoding: chunked} and
 * {@code Content-Length} is invalid instead of read as chunked (Netty's default drops the length, which lets a
 * front end that frames by the length smuggle a second request in the body). Netty offers the hook for exactly
 * this; Vert.x does not expose its decoder, so each new connection gets this one in its place.
 */
final class FramingDecoder extends VertxHttpRequestDecoder {
    /** Why the request was refused; the API's invalid-request handler answers it with a 400. */
    static final class Conflict extends RuntimeException {
        static final String MESSAGE = "request has both Transfer-Encoding and Content-Length";
        private static final long serialVersionUID = 1L;

        Conflict() {
            super(MESSAGE, null, false, false);
        }
    }

    private FramingDecoder(HttpServerOptions options) {
        super(options);
    }

    /** Replaces the decoder of a fresh HTTP/1.x connection (called before it has read anything). */
    static void install(HttpConnection connection, HttpServerOptions options) {
        var pipeline = ((ConnectionBase) connection).channel().pipeline();
        if (pipeline.get("httpDecoder") != null) {
            pipeline.replace("httpDecoder", "httpDecoder", new FramingDecoder(options));
        }
    }

    @Override
    protected void handleTransferEncodingChunkedWithContentLength(HttpMessage message) {
        throw new Conflict();
    }
}
