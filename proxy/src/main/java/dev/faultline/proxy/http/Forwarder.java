package dev.faultline.proxy.http;

import dev.faultline.proxy.config.ProxyConfig;
import dev.faultline.proxy.config.ProxyConfig.Route;
import dev.faultline.proxy.telemetry.ProxyMetrics;
import dev.faultline.proxy.telemetry.Tracing;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.retry.Retry;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFactory;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpHeadersFactory;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpHeadersFactory;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.util.AsciiString;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.context.propagation.TextMapPropagator;
import io.vertx.core.json.JsonObject;
import java.net.ConnectException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The request path, at the level of Netty's HTTP/1.1 messages on the event loop of the client connection: route,
 * rate limit, bounded body, attempts (each through the breaker and bounded by the route's timeout, retried with
 * backoff when allowed) on a pooled upstream connection of the same event loop, then the upstream answer streamed
 * back with backpressure both ways. The answers the proxy makes itself are written in one place
 * ({@link Exchange#fail}).
 */
final class Forwarder {
    private static final Logger LOG = LoggerFactory.getLogger(Forwarder.class);
    private static final Logger ACCESS = LoggerFactory.getLogger("access");
    private static final Set<HttpMethod> IDEMPOTENT = Set.of(HttpMethod.GET, HttpMethod.HEAD, HttpMethod.OPTIONS,
            HttpMethod.TRACE, HttpMethod.PUT, HttpMethod.DELETE);
    /** Bytes of a streamed body held while the upstream connection is not there yet, before reading pauses. */
    private static final int PENDING_BODY_BYTES = 64 * 1024;
    private static final HttpHeadersFactory HEADERS = DefaultHttpHeadersFactory.headersFactory()
            .withNameValidation(false).withValueValidation(false);
    private static final AsciiString X_REQUEST_ID = AsciiString.cached("X-Request-Id");
    private static final AsciiString X_FORWARDED_FOR = AsciiString.cached("X-Forwarded-For");
    private static final AsciiString X_FORWARDED_PROTO = AsciiString.cached("X-Forwarded-Proto");
    private static final AsciiString HTTP = AsciiString.cached("http");
    private static final AsciiString TRACEPARENT = AsciiString.cached("traceparent");
    private static final AsciiString B3 = AsciiString.cached("b3");
    private static final AsciiString B3_TRACE_ID = AsciiString.cached("x-b3-traceid");
    private static final AsciiString UBER_TRACE_ID = AsciiString.cached("uber-trace-id");
    private static final TextMapGetter<HttpHeaders> GETTER = new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(HttpHeaders carrier) {
            return carrier.names();
        }

        @Override
        public String get(HttpHeaders carrier, String key) {
            return carrier == null ? null : carrier.get(key);
        }
    };

    private final ProxyConfig config;
    private final List<RouteRuntime> routes;
    private final ProxyMetrics metrics;
    private final ProxyMetrics.RouteMeters unmatched;
    private final Tracing tracing;
    private final TextMapPropagator propagator;
    private final AtomicBoolean accepting;
    private final ChannelFactory<? extends Channel> channels;
    private final Map<EventLoop, Map<String, UpstreamPool>> pools = new ConcurrentHashMap<>();

    Forwarder(ProxyConfig config, List<RouteRuntime> routes, ProxyMetrics metrics, Tracing tracing,
              AtomicBoolean accepting, ChannelFactory<? extends Channel> channels) {
        this.config = config;
        this.routes = routes;
        this.metrics = metrics;
        this.unmatched = metrics.route("unmatched");
        this.tracing = tracing;
        this.propagator = tracing.propagator();
        this.accepting = accepting;
        this.channels = channels;
    }

    /** The upstream pools of one event loop (used only on it). */
    Map<String, UpstreamPool> pools(EventLoop loop) {
        return pools.computeIfAbsent(loop, l -> new HashMap<>());
    }

    /** Closes every idle upstream connection (shutdown); each pool on its own event loop. */
    void closeIdleUpstreams() {
        pools.forEach((loop, byAddress) -> loop.execute(() -> byAddress.values().forEach(UpstreamPool::closeIdle)));
    }

    private UpstreamPool pool(ClientConnection conn, Route route) {
        int slot = route.index();
        UpstreamPool[] byRoute = conn.poolByRoute;
        if (slot >= 0 && slot < byRoute.length && byRoute[slot] != null) {
            return byRoute[slot];
        }
        String key = route.forwardHost() + ':' + route.forwardPort();
        UpstreamPool p = conn.pools.get(key);
        if (p == null) {
            long connectTimeout = routes.stream().map(r -> r.route)
                    .filter(r -> r.forwardHost().equals(route.forwardHost()) && r.forwardPort() == route.forwardPort())
                    .mapToLong(r -> r.timeout().toMillis()).max().orElse(route.timeout().toMillis());
            p = new UpstreamPool(conn.channel.eventLoop(), channels, route.forwardHost(), route.forwardPort(),
                    (int) Math.min(Integer.MAX_VALUE, connectTimeout), config.limits().maxConnectionsPerRoute(),
                    config.limits().maxInFlight(), config.limits().maxHeaderBytes(),
                    config.limits().idleTimeout().toMillis());
            conn.pools.put(key, p);
        }
        if (slot >= 0 && slot < byRoute.length) {
            byRoute[slot] = p;
        }
        return p;
    }

    int routeCount() {
        return routes.size();
    }

    Exchange exchange(ClientConnection conn, HttpRequest req) {
        return new Exchange(conn, req);
    }

    private static String truncate(String s) {
        return s.length() <= 200 ? s : s.substring(0, 200) + "…";
    }

    /** The path of a request target (origin or absolute form), without query. */
    static String pathOf(String uri) {
        int start = 0;
        if (!uri.startsWith("/")) {
            int scheme = uri.indexOf("://");
            if (scheme < 0) {
                return uri;
            }
            start = uri.indexOf('/', scheme + 3);
            if (start < 0) {
                return "/";
            }
        }
        int end = uri.length();
        for (int i = start; i < uri.length(); i++) {
            char c = uri.charAt(i);
            if (c == '?' || c == '#') {
                end = i;
                break;
            }
        }
        return start == 0 && end == uri.length() ? uri : uri.substring(start, end);
    }

    /** The state of one request. Lives on the event loop of its client connection. */
    final class Exchange {
        private static final int NO_BODY = 0;
        private static final int BUFFERED = 1;
        private static final int STREAMED = 2;

        final ClientConnection conn;
        final Channel client;
        final HttpRequest req;
        final String method;
        final String path;
        final RouteRuntime rt;
        final Route route;
        final long startNanos = System.nanoTime();
        final String requestId;
        final Span span;
        final String routeName;
        final ProxyMetrics.RouteMeters meters;
        final boolean keepAliveRequested;
        boolean keepAlive;
        boolean done;
        boolean headWritten;
        boolean responseEnded;
        int status;

        // the request body
        int bodyMode = NO_BODY;
        CompositeByteBuf body;
        boolean bodyComplete;
        long bodyCount;
        List<HttpContent> pending;
        int pendingBytes;
        ScheduledFuture<?> bodyTimer;
        boolean countOver;

        // the current attempt
        UpstreamPool pool;
        Channel upstream;
        boolean attemptActive;
        boolean waitingForConnection;
        boolean requestSent;
        boolean discarding;
        boolean relaying;
        boolean clientNeedsFlush;
        long attemptStart;
        Span attemptSpan;
        ScheduledFuture<?> attemptTimer;
        /** The current attempt's place at the pool; a connection delivered to an older one goes back. */
        Waiter waiter;
        Retry.AsyncContext<Integer> retryContext;
        int attempts;

        Exchange(ClientConnection conn, HttpRequest req) {
            this.conn = conn;
            this.client = conn.channel;
            this.req = req;
            this.method = req.method().name();
            this.path = pathOf(req.uri());
            RouteRuntime found = null;
            if (req.decoderResult().isSuccess()) {
                for (RouteRuntime r : routes) {
                    if (r.route.matches(path, method)) {
                        found = r;
                        break;
                    }
                }
            }
            this.rt = found;
            this.route = found == null ? null : found.route;
            this.routeName = found == null ? "unmatched" : found.route.name();
            this.meters = found == null ? unmatched : found.meters;
            this.keepAliveRequested = HttpUtil.isKeepAlive(req);
            this.keepAlive = keepAliveRequested;
            String given = req.headers().get(X_REQUEST_ID);
            this.requestId = validId(given) ? given : newId();
            Context parent = carriesTraceContext(req.headers())
                    ? propagator.extract(Context.root(), req.headers(), GETTER) : Context.root();
            this.span = tracing.serverSpan(parent, method, path, routeName);
            metrics.inFlight().incrementAndGet();
        }

        /** Everything that can be decided on the request head; then the body, then the first attempt. */
        void begin() {
            DecoderResult decoded = req.decoderResult();
            if (decoded.isFailure()) {
                keepAlive = false;
                Throwable cause = decoded.cause();
                if (cause instanceof TooLongHttpLineException) {
                    fail(414, "request line is longer than 8192 bytes", null);
                } else if (cause instanceof TooLongHttpHeaderException || cause instanceof TooLongFrameException) {
                    fail(431, "request header block is larger than " + config.limits().maxHeaderBytes() + " bytes", null);
                } else {
                    fail(400, "malformed request", null);
                }
                return;
            }
            if (!accepting.get()) {
                fail(503, "proxy is shutting down", "1");
                return;
            }
            if (metrics.inFlight().get() > config.limits().maxInFlight()) {
                fail(503, "proxy is at its limit of " + config.limits().maxInFlight() + " requests in flight", "1");
                return;
            }
            if (rt == null) {
                fail(404, "no route for " + method + " " + truncate(path), null);
                return;
            }
            if (rt.limiter.isPresent() && !rt.limiter.get().acquirePermission()) {
                metrics.rateLimited(routeName);
                fail(429, "rate limit of " + route.rateLimiting().get().maxAmount() + " requests per "
                        + route.rateLimiting().get().expiration().toMillis() + " ms reached",
                        Long.toString(rt.limiterRetryAfterSeconds()));
                return;
            }
            String length = req.headers().get(HttpHeaderNames.CONTENT_LENGTH);
            long declared = -1;
            if (length != null) {
                try {
                    declared = Long.parseLong(length.strip());
                } catch (NumberFormatException e) {
                    keepAlive = false;
                    fail(400, "Content-Length is not a number", null);
                    return;
                }
            }
            if (declared > config.limits().maxBodyBytes()) {
                keepAlive = false;
                fail(413, "request body is larger than " + config.limits().maxBodyBytes() + " bytes", null);
                return;
            }
            boolean retryable = route.maxRetry() > 0 && (IDEMPOTENT.contains(req.method()) || route.retryNonIdempotent());
            boolean hasBody = declared > 0 || req.headers().contains(HttpHeaderNames.TRANSFER_ENCODING);
            boolean replayable = !hasBody || (declared >= 0 && declared <= config.limits().replayBufferBytes());
            retryContext = retryable && replayable ? rt.retry.asyncContext() : null;
            if (!hasBody) {
                bodyMode = NO_BODY;
                attempt();
            } else if (replayable) {
                bodyMode = BUFFERED;
                body = client.alloc().compositeBuffer(64);
                long timeout = config.limits().requestTimeout().toMillis();
                bodyTimer = client.eventLoop().schedule(() -> {
                    bodyTimer = null;
                    keepAlive = false;
                    fail(408, "request body not received within " + timeout + " ms", null);
                }, timeout, TimeUnit.MILLISECONDS);
            } else {
                bodyMode = STREAMED;
                attempt();
            }
        }

        /** A piece of the request body (the last one ends it). */
        void requestContent(HttpContent content) {
            boolean last = content instanceof LastHttpContent;
            if (content.decoderResult().isFailure()) {
                content.release();
                keepAlive = false;
                fail(400, "malformed request body", null);
                return;
            }
            if (done || countOver) {
                content.release();
                return;
            }
            int n = content.content().readableBytes();
            bodyCount += n;
            if (bodyMode == BUFFERED) {
                if (bodyCount > config.limits().replayBufferBytes()) {
                    content.release();
                    keepAlive = false;
                    cancelBodyTimer();
                    fail(413, "request body is larger than declared", null);
                    return;
                }
                if (n > 0) {
                    body.addComponent(true, content.content().retain());
                }
                content.release();
                if (last) {
                    bodyComplete = true;
                    cancelBodyTimer();
                    attempt();
                }
                return;
            }
            if (bodyMode == STREAMED) {
                long max = config.limits().maxBodyBytes();
                if (bodyCount > max) {
                    content.release();
                    countOver = true;
                    keepAlive = false;
                    fail(413, "request body is larger than " + max + " bytes", null);
                    return;
                }
                if (last) {
                    bodyComplete = true;
                }
                if (upstream != null && pending == null) {
                    upstream.write(content, upstream.voidPromise());
                    if (last) {
                        requestSent = true;
                        upstream.flush();
                    } else if (!upstream.isWritable()) {
                        upstream.flush(); // may make it writable again (and say so) at once
                        conn.pauseBody(!upstream.isWritable());
                    }
                } else {
                    if (pending == null) {
                        pending = new ArrayList<>();
                    }
                    pending.add(content);
                    pendingBytes += n;
                    if (pendingBytes > PENDING_BODY_BYTES) {
                        conn.pauseBody(true);
                    }
                }
                return;
            }
            content.release(); // a body the head did not announce (e.g. Content-Length: 0): nothing to forward
        }

        void requestReadComplete() {
            if (bodyMode == STREAMED && upstream != null && !done) {
                upstream.flush();
            }
        }

        private void cancelBodyTimer() {
            if (bodyTimer != null) {
                bodyTimer.cancel(false);
                bodyTimer = null;
            }
        }

        /** One attempt upstream, through the breaker, bounded by the route's timeout. */
        void attempt() {
            if (done) {
                return;
            }
            Optional<CircuitBreaker> breaker = rt.breaker;
            if (breaker.isPresent() && !breaker.get().tryAcquirePermission()) {
                metrics.breakerRejection(routeName);
                fail(503, "circuit breaker for " + routeName + " is open", Long.toString(rt.breakerRetryAfterSeconds()));
                return;
            }
            attempts++;
            attemptStart = System.nanoTime();
            attemptSpan = tracing.attemptSpan(span, method, route.forwardPort(), attempts);
            attemptActive = true;
            requestSent = false;
            discarding = false;
            attemptTimer = client.eventLoop().schedule(this::attemptTimedOut, route.timeout().toMillis(),
                    TimeUnit.MILLISECONDS);
            pool = pool(conn, route);
            waitingForConnection = true;
            waiter = new Waiter();
            pool.acquire(waiter);
        }

        /** One attempt's wait for an upstream connection. */
        private final class Waiter implements UpstreamPool.Waiter {
            @Override
            public void connected(Channel ch) {
                if (waiter != this || !attemptActive || done) {
                    pool.release(ch, true);
                    return;
                }
                waitingForConnection = false;
                send(ch);
            }

            @Override
            public void connectFailed(Throwable cause) {
                if (waiter == this && attemptActive) {
                    waitingForConnection = false;
                    attemptFailed(cause);
                }
            }
        }

        private void attemptTimedOut() {
            attemptTimer = null;
            if (!attemptActive) {
                return;
            }
            if (waitingForConnection) {
                pool.cancel(waiter);
            }
            attemptFailed(new TimeoutException("timeout"));
        }

        /** The attempt's request on {@code ch}: head (end-to-end headers plus the proxy's), then the body. */
        private void send(Channel ch) {
            upstream = ch;
            UpstreamPool.handler(ch).exchange = this;
            HttpHeaders headers = HEADERS.newHeaders();
            Headers.copyEndToEnd(req.headers(), headers, true);
            headers.remove(HttpHeaderNames.EXPECT);
            if (!headers.contains(HttpHeaderNames.HOST)) {
                headers.set(HttpHeaderNames.HOST, route.forwardHost() + ":" + route.forwardPort());
            }
            String remote = conn.remoteAddress;
            if (remote != null) {
                String xff = req.headers().get(X_FORWARDED_FOR);
                headers.set(X_FORWARDED_FOR, xff == null ? remote : xff + ", " + remote);
            }
            headers.set(X_FORWARDED_PROTO, HTTP);
            headers.set(X_REQUEST_ID, requestId);
            propagator.inject(Context.root().with(attemptSpan), headers, (carrier, k, v) -> carrier.set(k, v));
            if (bodyMode == BUFFERED) {
                headers.set(HttpHeaderNames.CONTENT_LENGTH, body.readableBytes());
            } else if (bodyMode == STREAMED && !req.headers().contains(HttpHeaderNames.CONTENT_LENGTH)) {
                headers.set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
            }
            ch.write(new DefaultHttpRequest(HttpVersion.HTTP_1_1, req.method(), req.uri(), headers), ch.voidPromise());
            if (bodyMode == NO_BODY) {
                ch.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT, ch.voidPromise());
                requestSent = true;
            } else if (bodyMode == BUFFERED) {
                ch.writeAndFlush(new DefaultLastHttpContent(body.retainedDuplicate()), ch.voidPromise());
                requestSent = true;
            } else {
                List<HttpContent> queued = pending;
                pending = null;
                pendingBytes = 0;
                if (queued != null) {
                    for (HttpContent c : queued) {
                        ch.write(c, ch.voidPromise());
                        if (c instanceof LastHttpContent) {
                            requestSent = true;
                        }
                    }
                }
                ch.flush();
                conn.pauseBody(!ch.isWritable() && !requestSent);
            }
        }

        void upstreamWritable() {
            if (bodyMode == STREAMED && !done) {
                conn.pauseBody(false);
            }
        }

        /** What the upstream sent: the answer's head, then its body. */
        void upstreamRead(Object msg) {
            if (msg instanceof HttpResponse resp) {
                if (resp.decoderResult().isFailure()) {
                    ReferenceCountUtil.release(msg);
                    Channel up = upstream;
                    detachUpstream(false);
                    if (attemptActive) {
                        attemptFailed(new java.io.IOException("malformed answer: " + resp.decoderResult().cause()));
                    } else {
                        up.close();
                    }
                    return;
                }
                int code = resp.status().code();
                if (code >= 100 && code < 200) {
                    discarding = true; // an interim answer (100 Continue): its end is not the answer's
                    return;
                }
                upstreamHead(resp);
            }
            if (msg instanceof HttpContent content) {
                if (discarding) {
                    boolean last = content instanceof LastHttpContent;
                    content.release();
                    if (last) {
                        discarding = false;
                        if (attemptActive) {
                            return; // the end of an interim answer; the real one follows
                        }
                        // the end of a 5xx that is retried
                        boolean reusable = requestSent;
                        long delay = retryDelay;
                        detachUpstream(reusable);
                        retryAfter(delay);
                    }
                    return;
                }
                relayContent(content);
            }
        }

        private long retryDelay;

        private void upstreamHead(HttpResponse resp) {
            if (!attemptActive) {
                return;
            }
            attemptActive = false;
            cancelAttemptTimer();
            long nanos = System.nanoTime() - attemptStart;
            int code = resp.status().code();
            meters.attempt(code, nanos);
            attemptSpan.setAttribute("http.response.status_code", (long) code);
            attemptSpan.end();
            rt.breaker.ifPresent(b -> b.onResult(nanos, TimeUnit.NANOSECONDS, code));
            long delay = retryContext == null ? -1 : retryContext.onResult(code);
            if (code >= 500 && delay >= 0 && !done) {
                metrics.retry(routeName, "status_5xx");
                discarding = true;
                retryDelay = delay;
                return;
            }
            if (retryContext != null && code < 500) {
                retryContext.onComplete();
            }
            relayHead(resp);
        }

        /** The upstream's answer head to the client, without hop-by-hop headers. */
        private void relayHead(HttpResponse resp) {
            if (done) {
                detachUpstream(false);
                return;
            }
            relaying = true;
            status = resp.status().code();
            HttpHeaders headers = HEADERS.newHeaders();
            Headers.copyEndToEnd(resp.headers(), headers, false);
            headers.set(X_REQUEST_ID, requestId);
            boolean bodyless = req.method().equals(HttpMethod.HEAD) || status == 204 || status == 304;
            if (!bodyless && !headers.contains(HttpHeaderNames.CONTENT_LENGTH)) {
                if (req.protocolVersion().equals(HttpVersion.HTTP_1_0)) {
                    keepAlive = false; // the end of the answer is the end of the connection
                } else {
                    headers.set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
                }
            }
            connectionHeader(headers);
            headWritten = true;
            client.write(new DefaultHttpResponse(req.protocolVersion(), resp.status(), headers), client.voidPromise());
            clientNeedsFlush = true;
        }

        private void connectionHeader(HttpHeaders headers) {
            if (!keepAlive || !accepting.get()) {
                keepAlive = false;
                headers.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            } else if (req.protocolVersion().equals(HttpVersion.HTTP_1_0)) {
                headers.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
            }
        }

        private void relayContent(HttpContent content) {
            if (!relaying || done) {
                content.release();
                if (content instanceof LastHttpContent) {
                    detachUpstream(requestSent && relaying);
                }
                return;
            }
            if (content instanceof LastHttpContent) {
                relaying = false;
                clientNeedsFlush = false;
                endResponse(content);
                detachUpstream(requestSent);
                return;
            }
            client.write(content, client.voidPromise());
            clientNeedsFlush = true;
            if (!client.isWritable()) {
                client.flush(); // may make it writable again (and say so) at once
                clientNeedsFlush = false;
                if (upstream != null && !client.isWritable()) {
                    upstream.config().setAutoRead(false);
                }
            }
        }

        void upstreamReadComplete() {
            if (clientNeedsFlush) {
                clientNeedsFlush = false;
                client.flush();
            }
        }

        void clientWritable() {
            if (relaying && upstream != null && !upstream.config().isAutoRead()) {
                upstream.config().setAutoRead(true);
            }
        }

        /** The upstream connection failed or closed: before the answer head, the attempt failed. */
        void upstreamFailed(Throwable cause) {
            upstream = null;
            if (attemptActive) {
                attemptFailed(cause);
            } else if (discarding) {
                discarding = false;
                retryAfter(retryDelay);
            } else if (relaying && !done) {
                relaying = false;
                client.close(); // the answer is cut short: so is the client's
            }
        }

        /** Gives the upstream connection back (reusable after a complete exchange) or closes it. */
        private void detachUpstream(boolean reusable) {
            Channel up = upstream;
            if (up == null) {
                return;
            }
            upstream = null;
            pool.release(up, reusable && up.isActive());
        }

        private void cancelAttemptTimer() {
            if (attemptTimer != null) {
                attemptTimer.cancel(false);
                attemptTimer = null;
            }
        }

        private void attemptFailed(Throwable cause) {
            attemptActive = false;
            cancelAttemptTimer();
            if (upstream != null) {
                detachUpstream(false);
            }
            long nanos = System.nanoTime() - attemptStart;
            String kind = kind(cause);
            metrics.attempt(routeName, kind, nanos);
            attemptSpan.setStatus(StatusCode.ERROR, kind);
            attemptSpan.end();
            rt.breaker.ifPresent(b -> b.onError(nanos, TimeUnit.NANOSECONDS, cause));
            if (kind.equals("timeout")) {
                metrics.timeout(routeName);
            } else {
                metrics.connectionError(routeName, kind);
            }
            long delay = retryContext == null ? -1 : retryContext.onError(cause);
            if (delay >= 0 && !done) {
                metrics.retry(routeName, kind);
                retryAfter(delay);
            } else if (kind.equals("timeout")) {
                fail(504, "upstream did not answer within " + route.timeout().toMillis() + " ms (attempts: "
                        + attempts + ")", null);
            } else {
                fail(502, "upstream " + route.forwardHost() + ":" + route.forwardPort() + " failed: " + kind
                        + " (attempts: " + attempts + ")", null);
            }
        }

        private void retryAfter(long delayMs) {
            if (done) {
                return;
            }
            if (delayMs <= 0) {
                attempt();
            } else {
                client.eventLoop().schedule(this::attempt, delayMs, TimeUnit.MILLISECONDS);
            }
        }

        /** The client went away: whatever is under way upstream is abandoned. */
        void clientClosed() {
            if (done) {
                return;
            }
            cancelBodyTimer();
            cancelAttemptTimer();
            if (waitingForConnection && pool != null) {
                pool.cancel(waiter);
            }
            attemptActive = false;
            if (upstream != null) {
                detachUpstream(false);
            }
            finish();
        }

        /** Ends the answer with {@code last} and the connection too when it is not kept alive. */
        private void endResponse(HttpContent last) {
            responseEnded = true;
            if (keepAlive) {
                client.writeAndFlush(last, client.voidPromise());
            } else {
                client.writeAndFlush(last).addListener(ChannelFutureListener.CLOSE);
            }
            finish();
        }

        /** An answer the proxy makes itself: JSON {@code {"error": …}}, with Retry-After when given. */
        void fail(int code, String message, String retryAfter) {
            if (done || responseEnded || headWritten) {
                if (headWritten && !responseEnded) {
                    client.close();
                }
                return;
            }
            if (attemptActive) {
                cancelAttemptTimer();
                attemptActive = false;
                if (waitingForConnection) {
                    pool.cancel(waiter);
                }
            }
            if (upstream != null) {
                detachUpstream(false);
            }
            status = code;
            byte[] bytes = new JsonObject().put("error", message).encode().getBytes(StandardCharsets.UTF_8);
            FullHttpResponse out = new DefaultFullHttpResponse(req.protocolVersion().equals(HttpVersion.HTTP_1_0)
                    ? HttpVersion.HTTP_1_0 : HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(code),
                    Unpooled.wrappedBuffer(bytes), HEADERS, HEADERS);
            HttpHeaders h = out.headers();
            h.set(X_REQUEST_ID, requestId);
            if (retryAfter != null) {
                h.set(HttpHeaderNames.RETRY_AFTER, retryAfter);
            }
            h.set(HttpHeaderNames.CONTENT_TYPE, "application/json");
            h.set(HttpHeaderNames.CONTENT_LENGTH, bytes.length);
            if (!req.decoderResult().isSuccess()) {
                keepAlive = false;
            }
            connectionHeader(h);
            headWritten = true;
            responseEnded = true;
            if (keepAlive) {
                client.writeAndFlush(out, client.voidPromise());
            } else {
                client.writeAndFlush(out).addListener(ChannelFutureListener.CLOSE);
            }
            finish();
        }

        private void finish() {
            if (done) {
                return;
            }
            done = true;
            cancelBodyTimer();
            if (body != null) {
                body.release();
                body = null;
            }
            if (pending != null) {
                pending.forEach(ReferenceCountUtil::release);
                pending = null;
            }
            metrics.inFlight().decrementAndGet();
            int answered = responseEnded ? status : 499;
            long nanos = System.nanoTime() - startNanos;
            meters.request(method, answered, nanos);
            span.setAttribute("http.response.status_code", (long) answered);
            if (answered >= 500) {
                span.setStatus(StatusCode.ERROR);
            }
            span.end();
            if (config.accessLog()) {
                ACCESS.atInfo().addKeyValue("method", method).addKeyValue("path", truncate(path))
                        .addKeyValue("route", routeName).addKeyValue("status", answered)
                        .addKeyValue("attempts", attempts).addKeyValue("duration_ms", nanos / 1e6)
                        .addKeyValue("request_id", requestId)
                        .addKeyValue("trace_id", span.getSpanContext().getTraceId()).log("request");
            }
            conn.answered(this);
        }
    }

    /**
     * Whether any of the headers a span context is read from is there (W3C, B3 single and multi, Jaeger); without
     * them every propagator finds nothing, so the (costly: Jaeger's lists every header name) extraction is skipped.
     */
    private static boolean carriesTraceContext(HttpHeaders h) {
        return h.contains(TRACEPARENT) || h.contains(B3) || h.contains(B3_TRACE_ID) || h.contains(UBER_TRACE_ID);
    }

    private static boolean validId(String id) {
        if (id == null || id.isEmpty() || id.length() > 128) {
            return false;
        }
        for (int i = 0; i < id.length(); i++) {
            char c = id.charAt(i);
            if (c <= 0x20 || c >= 0x7f) {
                return false;
            }
        }
        return true;
    }

    static String kind(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof TimeoutException || c instanceof io.netty.channel.ConnectTimeoutException) {
                return "timeout";
            }
            if (c instanceof ConnectException) {
                return "connect_error";
            }
        }
        String m = String.valueOf(t.getMessage()).toLowerCase(java.util.Locale.ROOT);
        if (m.contains("timeout") || m.contains("timed out")) {
            return "timeout";
        }
        if (m.contains("refused")) {
            return "connect_error";
        }
        return "reset";
    }

    private static String newId() {
        ThreadLocalRandom r = ThreadLocalRandom.current();
        return Long.toHexString(r.nextLong() | Long.MIN_VALUE) + Long.toHexString(r.nextLong() | Long.MIN_VALUE);
    }

    static void logStartupWarning(String message) {
        LOG.warn(message);
    }
}
