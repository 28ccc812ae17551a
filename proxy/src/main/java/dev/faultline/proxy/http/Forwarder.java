package dev.faultline.proxy.http;

import dev.faultline.proxy.config.ProxyConfig;
import dev.faultline.proxy.config.ProxyConfig.Route;
import dev.faultline.proxy.telemetry.ProxyMetrics;
import dev.faultline.proxy.telemetry.Tracing;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.retry.Retry;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFactory;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.context.propagation.TextMapPropagator;
import io.opentelemetry.context.propagation.TextMapSetter;
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
 * The request path, at the level of HTTP/1.1 bytes ({@link HttpReader}; field lines forwarded as received) on the
 * event loop of the client connection: route,
 * rate limit, bounded body, attempts (each through the breaker and bounded by the route's timeout, retried with
 * backoff when allowed) on a pooled upstream connection of the same event loop, then the upstream answer streamed
 * back with backpressure both ways. The answers the proxy makes itself are written in one place
 * ({@link Exchange#fail}).
 */
final class Forwarder {
    private static final Logger LOG = LoggerFactory.getLogger(Forwarder.class);
    private static final Logger ACCESS = LoggerFactory.getLogger("access");
    private static final Set<String> IDEMPOTENT = Set.of("GET", "HEAD", "OPTIONS", "TRACE", "PUT", "DELETE");
    /** Methods kept as they are in metric labels; any other is "other" (a client cannot grow the label set). */
    private static final Set<String> KNOWN_METHODS = Set.of("GET", "HEAD", "POST", "PUT", "DELETE", "PATCH",
            "OPTIONS", "TRACE", "CONNECT");
    /** Bytes of a streamed body held while the upstream connection is not there yet, before reading pauses. */
    private static final int PENDING_BODY_BYTES = 64 * 1024;
    private static final byte[] X_REQUEST_ID = ascii("X-Request-Id: ");
    private static final byte[] X_FORWARDED_FOR = ascii("X-Forwarded-For: ");
    private static final byte[] TRACEPARENT = ascii("traceparent: 00-");
    private static final byte[] B3 = ascii("b3: ");
    private static final byte[] UBER_TRACE_ID = ascii("uber-trace-id: ");
    /** Bodies up to this size leave in the same buffer (and write) as their head. */
    private static final int COALESCE_BYTES = 8 * 1024;
    private static final byte[] X_FORWARDED_PROTO_HTTP = ascii("X-Forwarded-Proto: http\r\n");
    private static final byte[] CHUNKED = ascii("Transfer-Encoding: chunked\r\n");
    private static final byte[] CONNECTION_CLOSE = ascii("Connection: close\r\n");
    private static final byte[] CONNECTION_KEEP_ALIVE = ascii("Connection: keep-alive\r\n");
    private static final byte[] HTTP_1_1 = ascii(" HTTP/1.1\r\n");
    private static final byte[] HTTP_1_1_SP = ascii("HTTP/1.1 ");
    private static final byte[] HTTP_1_0_SP = ascii("HTTP/1.0 ");
    private static final byte[] CRLF = ascii("\r\n");
    private static final byte[] LAST_CHUNK = ascii("0\r\n\r\n");
    private static final byte[] CRLF_LAST_CHUNK = ascii("\r\n0\r\n\r\n");
    private static final ByteBuf CONTINUE = Unpooled.unreleasableBuffer(Unpooled.wrappedBuffer(
            ascii("HTTP/1.1 100 Continue\r\n\r\n")));
    private static final TextMapGetter<Head> GETTER = new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(Head carrier) {
            List<String> names = new ArrayList<>(carrier.size());
            for (int i = 0; i < carrier.size(); i++) {
                names.add(carrier.name(i));
            }
            return names;
        }

        @Override
        public String get(Head carrier, String key) {
            return carrier == null ? null : carrier.get(key.toLowerCase(java.util.Locale.ROOT));
        }
    };
    /** Injected trace fields become field lines of the request head being written. */
    private static final TextMapSetter<HeadBuilder> SETTER = HeadBuilder::field;

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    private final ProxyConfig config;
    private final List<RouteRuntime> routes;
    private final ProxyMetrics metrics;
    private final ProxyMetrics.RouteMeters unmatched;
    private final Tracing tracing;
    private final TextMapPropagator propagator;
    private final AtomicBoolean accepting;
    private final ChannelFactory<? extends Channel> channels;
    private final Map<EventLoop, Map<String, UpstreamPool>> pools = new ConcurrentHashMap<>();
    private final Map<EventLoop, Map<Long, Deadlines>> lanes = new ConcurrentHashMap<>();

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

    /** The attempt timeouts of {@code route} on the connection's event loop. */
    private Deadlines lane(ClientConnection conn, Route route) {
        int slot = route.index();
        Deadlines[] byRoute = conn.laneByRoute;
        if (slot >= 0 && slot < byRoute.length && byRoute[slot] != null) {
            return byRoute[slot];
        }
        EventLoop loop = conn.channel.eventLoop();
        long nanos = route.timeout().toNanos();
        Deadlines lane = lanes.computeIfAbsent(loop, l -> new HashMap<>()).computeIfAbsent(nanos,
                n -> new Deadlines(loop, n));
        if (slot >= 0 && slot < byRoute.length) {
            byRoute[slot] = lane;
        }
        return lane;
    }

    int routeCount() {
        return routes.size();
    }

    Exchange exchange(ClientConnection conn, Head req) {
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
    final class Exchange extends Deadlines.Entry {
        private static final int NO_BODY = 0;
        private static final int BUFFERED = 1;
        private static final int STREAMED = 2;

        final ClientConnection conn;
        final Channel client;
        final Head req;
        final String method;
        final String path;
        final RouteRuntime rt;
        final Route route;
        final long startNanos = System.nanoTime();
        final String requestId;
        /** The server span (the invalid span when spans are not recorded). */
        final Span span;
        /** The trace this request belongs to: id, sampled flag and trace state (continued or new). */
        final String traceId;
        final boolean sampled;
        final TraceState traceState;
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
        /** Pieces of a streamed body read before the upstream connection was there. */
        List<ByteBuf> pending;
        int pendingBytes;
        ScheduledFuture<?> bodyTimer;
        boolean countOver;
        /** The body goes upstream chunked (it came chunked). */
        boolean chunkedUp;

        // the current attempt
        UpstreamPool pool;
        Channel upstream;
        boolean attemptActive;
        boolean waitingForConnection;
        boolean requestSent;
        boolean discarding;
        boolean relaying;
        boolean clientNeedsFlush;
        /** The answer goes to the client chunked (the upstream's was chunked or close-delimited). */
        boolean chunkedOut;
        /** The upstream connection may carry another request after this answer. */
        boolean upstreamReusable;
        long attemptStart;
        Span attemptSpan;
        /** The current attempt's place at the pool; a connection delivered to an older one goes back. */
        Waiter waiter;
        Retry.AsyncContext<Integer> retryContext;
        int attempts;

        Exchange(ClientConnection conn, Head req) {
            this.conn = conn;
            this.client = conn.channel;
            this.req = req;
            this.method = req.error != 0 ? "other" : KNOWN_METHODS.contains(req.method) ? req.method : "other";
            this.path = pathOf(req.uri);
            RouteRuntime found = null;
            if (req.error == 0) {
                for (RouteRuntime r : routes) {
                    if (r.route.matches(path, req.method)) {
                        found = r;
                        break;
                    }
                }
            }
            this.rt = found;
            this.route = found == null ? null : found.route;
            this.routeName = found == null ? "unmatched" : found.route.name();
            this.meters = found == null ? unmatched : found.meters;
            this.keepAliveRequested = req.error == 0 && !req.connectionClose && (!req.http10 || req.connectionKeepAlive);
            this.keepAlive = keepAliveRequested;
            String given = req.error == 0 ? req.get("x-request-id") : null;
            this.requestId = validId(given) ? given : newId();
            Context parent = req.error == 0 && carriesTraceContext(req)
                    ? propagator.extract(Context.root(), req, GETTER) : Context.root();
            if (tracing.recording()) {
                this.span = tracing.serverSpan(parent, method, path, routeName);
                SpanContext sc = span.getSpanContext();
                traceId = sc.getTraceId();
                sampled = sc.isSampled();
                traceState = sc.getTraceState();
            } else {
                this.span = Span.getInvalid();
                SpanContext caller = parent == Context.root() ? SpanContext.getInvalid()
                        : Span.fromContext(parent).getSpanContext();
                if (caller.isValid()) { // the parent-based sampler keeps the caller's decision
                    traceId = caller.getTraceId();
                    sampled = caller.isSampled();
                    traceState = caller.getTraceState();
                } else {
                    traceId = newId();
                    sampled = tracing.sampledRoot(traceId);
                    traceState = TraceState.getDefault();
                }
            }
            metrics.inFlight().incrementAndGet();
        }

        /** Everything that can be decided on the request head; then the body, then the first attempt. */
        void begin() {
            if (req.error != 0) {
                keepAlive = false;
                fail(req.error, req.errorMessage, null);
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
                fail(404, "no route for " + req.method + " " + truncate(path), null);
                return;
            }
            if (rt.limiter.isPresent() && !rt.limiter.get().acquirePermission()) {
                metrics.rateLimited(routeName);
                fail(429, "rate limit of " + route.rateLimiting().get().maxAmount() + " requests per "
                        + route.rateLimiting().get().expiration().toMillis() + " ms reached",
                        Long.toString(rt.limiterRetryAfterSeconds()));
                return;
            }
            long declared = req.contentLength;
            if (declared > config.limits().maxBodyBytes()) {
                keepAlive = false;
                fail(413, "request body is larger than " + config.limits().maxBodyBytes() + " bytes", null);
                return;
            }
            boolean hasBody = declared > 0 || req.chunked;
            String expect = req.get("expect");
            if (expect != null) {
                if (!expect.equalsIgnoreCase("100-continue")) {
                    keepAlive = false;
                    fail(417, "expectation " + truncate(expect) + " is not supported", null);
                    return;
                }
                if (hasBody && !req.http10) {
                    conn.writeAndFlush(CONTINUE.duplicate());
                }
            }
            boolean retryable = route.maxRetry() > 0 && (IDEMPOTENT.contains(req.method) || route.retryNonIdempotent());
            boolean replayable = !hasBody || (declared >= 0 && declared <= config.limits().replayBufferBytes());
            retryContext = retryable && replayable ? rt.retry.asyncContext() : null;
            chunkedUp = req.chunked;
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
        void requestContent(ByteBuf data, boolean last) {
            if (done || countOver) {
                data.release();
                return;
            }
            int n = data.readableBytes();
            bodyCount += n;
            if (bodyMode == BUFFERED) {
                if (bodyCount > config.limits().replayBufferBytes()) {
                    data.release();
                    keepAlive = false;
                    cancelBodyTimer();
                    fail(413, "request body is larger than declared", null);
                    return;
                }
                if (n > 0) {
                    body.addComponent(true, data);
                } else {
                    data.release();
                }
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
                    data.release();
                    countOver = true;
                    keepAlive = false;
                    fail(413, "request body is larger than " + max + " bytes", null);
                    return;
                }
                if (last) {
                    bodyComplete = true;
                }
                if (upstream != null && pending == null) {
                    UpstreamPool.Handler up = UpstreamPool.handler(upstream);
                    writeBodyUp(up, data, last);
                    if (last) {
                        requestSent = true;
                        up.flush();
                    } else if (!upstream.isWritable()) {
                        up.flush(); // may make it writable again (and say so) at once
                        conn.pauseBody(!upstream.isWritable());
                    }
                } else {
                    if (pending == null) {
                        pending = new ArrayList<>();
                    }
                    pending.add(data);
                    pendingBytes += n;
                    if (pendingBytes > PENDING_BODY_BYTES) {
                        conn.pauseBody(true);
                    }
                }
                return;
            }
            data.release(); // nothing to forward (e.g. Content-Length: 0)
        }

        /** The request body could not be framed: the client gets 400 (or its connection closes mid-answer). */
        void requestBodyError(String message) {
            keepAlive = false;
            cancelBodyTimer();
            fail(400, message, null);
        }

        /** A piece of a streamed body upstream, framed as a chunk when the body goes chunked. */
        private void writeBodyUp(Endpoint up, ByteBuf data, boolean last) {
            if (!chunkedUp) {
                if (data.isReadable()) {
                    up.write(data);
                } else {
                    data.release();
                }
                return;
            }
            writeChunk(up, data, last);
        }

        void requestReadComplete() {
            if (bodyMode == STREAMED && upstream != null && !done) {
                UpstreamPool.handler(upstream).flush();
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
            lane(conn, route).add(this, attemptStart);
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

        @Override
        void expired() {
            if (!attemptActive) {
                return;
            }
            if (waitingForConnection) {
                pool.cancel(waiter);
            }
            attemptFailed(new TimeoutException("timeout"));
        }

        /** The attempt's request on {@code ch}: head (end-to-end fields as received, plus the proxy's), then the body. */
        private void send(Channel ch) {
            upstream = ch;
            UpstreamPool.Handler up = UpstreamPool.handler(ch);
            up.exchange = this;
            up.expectBodyless(req.method.equals("HEAD"));
            HeadBuilder out = HeadBuilder.get();
            req.writeMethodAndTarget(out);
            out.bytes(HTTP_1_1);
            Headers.writeRequestFields(req, out);
            if (!req.contains("host")) {
                out.field("Host", route.forwardHost() + ":" + route.forwardPort());
            }
            String remote = conn.remoteAddress;
            if (remote != null) {
                String xff = req.getAll("x-forwarded-for");
                out.field(X_FORWARDED_FOR, xff == null ? remote : xff + ", " + remote);
            }
            out.bytes(X_FORWARDED_PROTO_HTTP);
            out.field(X_REQUEST_ID, requestId);
            if (!tracing.recording() && traceState.isEmpty()) {
                writeTraceFields(traceId, newSpanId(), sampled, out);
            } else {
                propagator.inject(Context.root().with(tracing.recording() ? attemptSpan : Span.wrap(
                        SpanContext.create(traceId, newSpanId(), sampled ? TraceFlags.getSampled()
                                : TraceFlags.getDefault(), traceState))), out, SETTER);
            }
            if (chunkedUp) {
                out.bytes(CHUNKED);
            }
            out.crlf();
            if (bodyMode == NO_BODY) {
                up.writeAndFlush(out.toBuffer(ch.alloc(), 0));
                requestSent = true;
            } else if (bodyMode == BUFFERED) {
                int n = body.readableBytes();
                if (!chunkedUp && n <= COALESCE_BYTES) {
                    ByteBuf all = out.toBuffer(ch.alloc(), n);
                    body.getBytes(body.readerIndex(), all, n);
                    up.writeAndFlush(all);
                    requestSent = true;
                    return;
                }
                up.write(out.toBuffer(ch.alloc(), 0));
                if (chunkedUp) {
                    writeChunk(up, body.retainedDuplicate(), true);
                    up.flush();
                } else {
                    up.writeAndFlush(body.retainedDuplicate());
                }
                requestSent = true;
            } else {
                up.write(out.toBuffer(ch.alloc(), 0));
                List<ByteBuf> queued = pending;
                pending = null;
                pendingBytes = 0;
                if (queued != null) {
                    for (int i = 0; i < queued.size(); i++) {
                        writeBodyUp(up, queued.get(i), bodyComplete && i == queued.size() - 1);
                    }
                }
                if (bodyComplete) {
                    if (queued == null && chunkedUp) {
                        writeChunk(up, Unpooled.EMPTY_BUFFER, true);
                    }
                    requestSent = true;
                }
                up.flush();
                conn.pauseBody(!ch.isWritable() && !requestSent);
            }
        }

        void upstreamWritable() {
            if (bodyMode == STREAMED && !done) {
                conn.pauseBody(false);
            }
        }

        /** The head of what the upstream answered. */
        void upstreamHead(Head resp) {
            if (resp.error != 0) {
                Channel up = upstream;
                detachUpstream(false);
                if (attemptActive) {
                    attemptFailed(new java.io.IOException(resp.errorMessage));
                } else if (relaying && !done) {
                    relaying = false;
                    client.close();
                } else if (up != null) {
                    up.close();
                }
                return;
            }
            if (resp.status < 200) {
                discarding = true; // an interim answer (100 Continue): its end is not the answer's
                return;
            }
            upstreamReusable = !resp.closeDelimited && !resp.connectionClose && (!resp.http10 || resp.connectionKeepAlive);
            if (!attemptActive) {
                return;
            }
            attemptActive = false;
            cancelAttemptTimer();
            long nanos = System.nanoTime() - attemptStart;
            int code = resp.status;
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

        /** A piece of what the upstream answered (the last one ends the answer). */
        void upstreamContent(ByteBuf data, boolean last) {
            if (discarding) {
                data.release();
                if (last) {
                    discarding = false;
                    if (attemptActive) {
                        return; // the end of an interim answer; the real one follows
                    }
                    // the end of a 5xx that is retried
                    long delay = retryDelay;
                    detachUpstream(requestSent && upstreamReusable);
                    retryAfter(delay);
                }
                return;
            }
            relayContent(data, last);
        }

        private long retryDelay;

        /** The upstream's answer head to the client, without hop-by-hop fields. */
        private void relayHead(Head resp) {
            if (done) {
                detachUpstream(false);
                return;
            }
            relaying = true;
            status = resp.status;
            boolean bodyless = req.method.equals("HEAD") || status == 204 || status == 304;
            boolean framed = resp.contentLength >= 0 && !resp.chunked && !resp.closeDelimited;
            chunkedOut = false;
            if (!bodyless && !framed) {
                if (req.http10) {
                    keepAlive = false; // the end of the answer is the end of the connection
                } else {
                    chunkedOut = true;
                }
            }
            HeadBuilder out = HeadBuilder.get();
            out.bytes(req.http10 ? HTTP_1_0_SP : HTTP_1_1_SP).status(status).ch(' ');
            resp.writeReason(out);
            out.crlf();
            Headers.writeResponseFields(resp, out, framed || bodyless);
            out.field(X_REQUEST_ID, requestId);
            if (chunkedOut) {
                out.bytes(CHUNKED);
            }
            connectionHeader(out);
            out.crlf();
            headWritten = true;
            // kept back for the body's first piece to join it (usually in the same read)
            int room = bodyless ? 0 : chunkedOut ? 256 : (int) Math.min(resp.contentLength, COALESCE_BYTES);
            clientOut = out.toBuffer(client.alloc(), room);
            clientNeedsFlush = true;
        }

        private void connectionHeader(HeadBuilder out) {
            if (!keepAlive || !accepting.get()) {
                keepAlive = false;
                out.bytes(CONNECTION_CLOSE);
            } else if (req.http10) {
                out.bytes(CONNECTION_KEEP_ALIVE);
            }
        }

        /** The answer's head (and what joined it) not written yet, if any. */
        private ByteBuf clientOut;

        /** Bytes of the answer to the client: joined to the head kept back when they fit, else written. */
        private void toClient(ByteBuf data) {
            ByteBuf head = clientOut;
            if (head != null) {
                if (data.readableBytes() <= head.writableBytes()) {
                    head.writeBytes(data);
                    data.release();
                    return;
                }
                clientOut = null;
                conn.write(head);
            }
            conn.write(data);
        }

        private void toClient(byte[] bytes) {
            ByteBuf head = clientOut;
            if (head != null && bytes.length <= head.writableBytes()) {
                head.writeBytes(bytes);
            } else {
                toClient(Unpooled.wrappedBuffer(bytes));
            }
        }

        private void writeClientOut() {
            ByteBuf head = clientOut;
            if (head != null) {
                clientOut = null;
                conn.write(head);
            }
        }

        /** One chunk of the answer ({@code data} released); the last one adds the zero-length chunk. */
        private void chunkToClient(ByteBuf data, boolean last) {
            int n = data.readableBytes();
            if (n > 0) {
                toClient(chunkSizeLine(n));
                toClient(data);
                toClient(last ? CRLF_LAST_CHUNK : CRLF);
            } else {
                data.release();
                if (last) {
                    toClient(LAST_CHUNK);
                }
            }
        }

        private void relayContent(ByteBuf data, boolean last) {
            if (!relaying || done) {
                data.release();
                if (last) {
                    detachUpstream(requestSent && relaying && upstreamReusable);
                }
                return;
            }
            if (last) {
                relaying = false;
                clientNeedsFlush = false;
                endResponse(data);
                detachUpstream(requestSent && upstreamReusable);
                return;
            }
            if (chunkedOut) {
                chunkToClient(data, false);
            } else {
                toClient(data);
            }
            clientNeedsFlush = true;
            if (clientOut == null && !client.isWritable()) {
                conn.flush(); // may make it writable again (and say so) at once
                clientNeedsFlush = false;
                if (upstream != null && !client.isWritable()) {
                    upstream.config().setAutoRead(false);
                }
            }
        }

        void upstreamReadComplete() {
            if (clientNeedsFlush) {
                clientNeedsFlush = false;
                writeClientOut();
                conn.flush();
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
            if (lane != null) {
                lane.remove(this);
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

        /** Ends the answer with {@code last} (its last piece) and the connection too when it is not kept alive. */
        private void endResponse(ByteBuf last) {
            responseEnded = true;
            if (chunkedOut) {
                chunkToClient(last, true);
            } else if (last.isReadable()) {
                toClient(last);
            } else {
                last.release();
            }
            writeClientOut();
            if (keepAlive) {
                conn.flush();
            } else {
                conn.writeAndClose(Unpooled.EMPTY_BUFFER);
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
            if (req.error != 0) {
                keepAlive = false;
            }
            byte[] json = new JsonObject().put("error", message).encode().getBytes(StandardCharsets.UTF_8);
            HeadBuilder head = HeadBuilder.get();
            head.bytes(req.http10 ? HTTP_1_0_SP : HTTP_1_1_SP).status(code).ch(' ')
                    .ascii(HttpResponseStatus.valueOf(code).reasonPhrase()).crlf();
            head.field(X_REQUEST_ID, requestId);
            if (retryAfter != null) {
                head.field("Retry-After", retryAfter);
            }
            head.field("Content-Type", "application/json");
            head.field("Content-Length", Integer.toString(json.length));
            connectionHeader(head);
            head.crlf();
            boolean withBody = !req.method.equals("HEAD");
            ByteBuf out = head.toBuffer(client.alloc(), withBody ? json.length : 0);
            if (withBody) {
                out.writeBytes(json);
            }
            headWritten = true;
            responseEnded = true;
            if (keepAlive) {
                conn.writeAndFlush(out);
            } else {
                conn.writeAndClose(out);
            }
            finish();
        }

        private void finish() {
            if (done) {
                return;
            }
            done = true;
            cancelBodyTimer();
            if (clientOut != null) {
                clientOut.release();
                clientOut = null;
            }
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
                        .addKeyValue("trace_id", traceId).log("request");
            }
            conn.answered(this);
        }
    }

    /** The trace fields of every format for a context of ids and a sampled flag only (what the propagators write). */
    static void writeTraceFields(String traceId, String spanId, boolean isSampled, HeadBuilder out) {
        char sampled = isSampled ? '1' : '0';
        out.bytes(TRACEPARENT);
        int ids = out.length(); // trace id, '-', span id: written once, copied for the other two formats
        out.ascii(traceId).ch('-').ascii(spanId).ch('-').ch('0').ch(sampled).crlf();
        out.bytes(B3).copy(ids, 32 + 1 + 16).ch('-').ch(sampled).crlf();
        out.bytes(UBER_TRACE_ID).copy(ids, 32).ch(':').copy(ids + 33, 16).ch(':').ch('0').ch(':').ch(sampled).crlf();
    }

    private static byte[] chunkSizeLine(int n) {
        String hex = Integer.toHexString(n);
        byte[] line = new byte[hex.length() + 2];
        for (int i = 0; i < hex.length(); i++) {
            line[i] = (byte) hex.charAt(i);
        }
        line[hex.length()] = '\r';
        line[hex.length() + 1] = '\n';
        return line;
    }

    /** One chunk of a chunked body ({@code data} released); the last one adds the zero-length chunk. */
    private static void writeChunk(Endpoint to, ByteBuf data, boolean last) {
        int n = data.readableBytes();
        if (n > 0) {
            to.write(Unpooled.wrappedBuffer(chunkSizeLine(n)));
            to.write(data);
            to.write(Unpooled.wrappedBuffer(last ? CRLF_LAST_CHUNK : CRLF));
        } else {
            data.release();
            if (last) {
                to.write(Unpooled.wrappedBuffer(LAST_CHUNK));
            }
        }
    }

    /**
     * Whether any of the headers a span context is read from is there (W3C, B3 single and multi, Jaeger); without
     * them every propagator finds nothing, so the (costly: Jaeger's lists every header name) extraction is skipped.
     */
    private static boolean carriesTraceContext(Head h) {
        for (int i = 0; i < h.size(); i++) {
            int n = h.nameLength(i);
            if (n == 11 && h.nameIs(i, "traceparent") || n == 2 && h.nameIs(i, "b3")
                    || n == 12 && h.nameIs(i, "x-b3-traceid") || n == 13 && h.nameIs(i, "uber-trace-id")) {
                return true;
            }
        }
        return false;
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

    private static final byte[] HEX = ascii("0123456789abcdef");

    /** 32 random lowercase hexadecimal digits, not all zero (a request id, or a new trace id). */
    static String newId() {
        ThreadLocalRandom r = ThreadLocalRandom.current();
        long a;
        long b;
        do {
            a = r.nextLong();
            b = r.nextLong();
        } while (a == 0 && b == 0);
        byte[] id = new byte[32];
        hex(a, id, 0);
        hex(b, id, 16);
        return new String(id, StandardCharsets.ISO_8859_1);
    }

    /** A random span id: 16 lowercase hexadecimal digits, not all zero. */
    static String newSpanId() {
        long v;
        do {
            v = ThreadLocalRandom.current().nextLong();
        } while (v == 0);
        byte[] id = new byte[16];
        hex(v, id, 0);
        return new String(id, StandardCharsets.ISO_8859_1);
    }

    private static void hex(long v, byte[] into, int at) {
        for (int i = 15; i >= 0; i--) {
            into[at + i] = HEX[(int) v & 15];
            v >>>= 4;
        }
    }

    static void logStartupWarning(String message) {
        LOG.warn(message);
    }
}
