package dev.faultline.proxy.http;

import dev.faultline.proxy.config.ProxyConfig.Route;
import dev.faultline.proxy.telemetry.ProxyMetrics;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.retry.Retry;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.context.Context;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The state of one request and everything done for it, on the event loop of its client connection: the checks on
 * its head, its body (buffered for replay, or streamed), the attempts upstream (each through the breaker, bounded
 * by its route's timeout, retried with backoff when allowed), the answer relayed back with backpressure both ways,
 * or the proxy's own answer ({@link #fail}); then its meters, span and access log line.
 */
final class Exchange extends Deadlines.Entry {
    private static final Logger ACCESS = LoggerFactory.getLogger("access");
    /** Methods kept as they are in metric labels; any other is "other" (a client cannot grow the label set). */
    private static final Set<String> KNOWN_METHODS = Set.of("GET", "HEAD", "POST", "PUT", "DELETE", "PATCH",
            "OPTIONS", "TRACE", "CONNECT");
    /** Bytes of a streamed body held while the upstream connection is not there yet, before reading pauses. */
    private static final int PENDING_BODY_BYTES = 64 * 1024;
    /** Bodies up to this size leave in the same buffer (and write) as their head. */
    private static final int COALESCE_BYTES = 8 * 1024;

    private final Forwarder fw;
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
    /** Some of the current attempt was written to its upstream connection: the upstream may have seen it. */
    boolean written;
    /** The request carries an Idempotency-Key (the client's, or {@link #addedKey}); idempotent methods: unread. */
    boolean keyed;
    /** The key the proxy adds (the route's addIdempotencyKey), the same on every attempt; else null. */
    String addedKey;

    Exchange(Forwarder fw, ClientConnection conn, Head req) {
        this.fw = fw;
        this.conn = conn;
        this.client = conn.channel;
        this.req = req;
        this.method = req.error != 0 ? "other" : KNOWN_METHODS.contains(req.method) ? req.method : "other";
        this.path = Forwarder.pathOf(req.uri);
        RouteRuntime found = null;
        if (req.error == 0) {
            for (RouteRuntime r : fw.routes) {
                if (r.route.matches(path, req.method)) {
                    found = r;
                    break;
                }
            }
        }
        this.rt = found;
        this.route = found == null ? null : found.route;
        this.routeName = found == null ? "unmatched" : found.route.name();
        this.meters = found == null ? fw.unmatched : found.meters;
        this.keepAliveRequested = req.error == 0 && !req.connectionClose && (!req.http10 || req.connectionKeepAlive);
        this.keepAlive = keepAliveRequested;
        String given = req.error == 0 ? req.get("x-request-id") : null;
        this.requestId = Forwarder.validId(given) ? given : Wire.newId();
        Context parent = req.error == 0 && Wire.carriesTraceContext(req)
                ? fw.propagator.extract(Context.root(), req, Wire.GETTER) : Context.root();
        if (fw.tracing.recording()) {
            this.span = fw.tracing.serverSpan(parent, method, path, routeName);
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
                traceId = Wire.newId();
                sampled = fw.tracing.sampledRoot(traceId);
                traceState = TraceState.getDefault();
            }
        }
        fw.metrics.inFlight().incrementAndGet();
    }

    /** Everything that can be decided on the request head; then the body, then the first attempt. */
    void begin() {
        if (req.error != 0) {
            keepAlive = false;
            fail(req.error, req.errorMessage, null);
            return;
        }
        if (!fw.accepting.get()) {
            fail(503, "proxy is shutting down", "1");
            return;
        }
        if (fw.metrics.inFlight().get() > fw.config.limits().maxInFlight()) {
            fail(503, "proxy is at its limit of " + fw.config.limits().maxInFlight() + " requests in flight", "1");
            return;
        }
        if (rt == null) {
            fail(404, "no route for " + req.method + " " + Forwarder.truncate(path), null);
            return;
        }
        if (rt.limiter.isPresent() && !rt.limiter.get().acquirePermission()) {
            fw.metrics.rateLimited(routeName);
            fail(429, "rate limit of " + route.rateLimiting().get().maxAmount() + " requests per "
                    + route.rateLimiting().get().expiration().toMillis() + " ms reached",
                    Long.toString(rt.limiterRetryAfterSeconds()));
            return;
        }
        long declared = req.contentLength;
        if (declared > fw.config.limits().maxBodyBytes()) {
            keepAlive = false;
            fail(413, "request body is larger than " + fw.config.limits().maxBodyBytes() + " bytes", null);
            return;
        }
        boolean hasBody = declared > 0 || req.chunked;
        String expect = req.get("expect");
        if (expect != null) {
            if (!expect.equalsIgnoreCase("100-continue")) {
                keepAlive = false;
                fail(417, "expectation " + Forwarder.truncate(expect) + " is not supported", null);
                return;
            }
            if (hasBody && !req.http10) {
                conn.writeAndFlush(Wire.CONTINUE.duplicate());
            }
        }
        // any method may be retried while nothing of it was written upstream; what else, RetryPolicy decides
        boolean retryable = route.maxRetry() > 0;
        if (!RetryPolicy.idempotent(req.method)) {
            keyed = req.contains(RetryPolicy.IDEMPOTENCY_KEY);
            if (!keyed && route.addIdempotencyKey()) {
                addedKey = RetryPolicy.newKey();
                keyed = true;
            }
        }
        boolean replayable = !hasBody || (declared >= 0 && declared <= fw.config.limits().replayBufferBytes());
        retryContext = retryable && replayable ? rt.retry.asyncContext() : null;
        chunkedUp = req.chunked;
        if (!hasBody) {
            bodyMode = NO_BODY;
            attempt();
        } else if (replayable) {
            bodyMode = BUFFERED;
            body = client.alloc().compositeBuffer(64);
            long timeout = fw.config.limits().requestTimeout().toMillis();
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
            if (bodyCount > fw.config.limits().replayBufferBytes()) {
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
            long max = fw.config.limits().maxBodyBytes();
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

    /** The request body could not be framed (400) or is too large (413); or the connection closes mid-answer. */
    void requestBodyError(int status, String message) {
        keepAlive = false;
        cancelBodyTimer();
        fail(status, message, null);
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
        Wire.writeChunk(up, data, last);
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
            fw.metrics.breakerRejection(routeName);
            fail(503, "circuit breaker for " + routeName + " is open", Long.toString(rt.breakerRetryAfterSeconds()));
            return;
        }
        attempts++;
        attemptStart = System.nanoTime();
        attemptSpan = fw.tracing.attemptSpan(span, method, route.forwardPort(), attempts);
        attemptActive = true;
        written = false;
        requestSent = false;
        discarding = false;
        fw.lane(conn, route).add(this, attemptStart);
        pool = fw.pool(conn, route);
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
        written = true;
        UpstreamPool.Handler up = UpstreamPool.handler(ch);
        up.exchange = this;
        up.expectBodyless(req.method.equals("HEAD"));
        HeadBuilder out = HeadBuilder.get();
        req.writeMethodAndTarget(out);
        out.bytes(Wire.HTTP_1_1);
        Headers.writeRequestFields(req, out);
        if (!req.contains("host")) {
            out.field("Host", route.forwardHost() + ":" + route.forwardPort());
        }
        String remote = conn.remoteAddress;
        if (remote != null) {
            String xff = req.getAll("x-forwarded-for");
            out.field(Wire.X_FORWARDED_FOR, xff == null ? remote : xff + ", " + remote);
        }
        out.bytes(Wire.X_FORWARDED_PROTO_HTTP);
        out.field(Wire.X_REQUEST_ID, requestId);
        if (addedKey != null) {
            out.field(RetryPolicy.IDEMPOTENCY_KEY_FIELD, addedKey);
        }
        if (!fw.tracing.recording() && traceState.isEmpty()) {
            Wire.writeTraceFields(traceId, Wire.newSpanId(), sampled, out);
        } else {
            fw.propagator.inject(Context.root().with(fw.tracing.recording() ? attemptSpan : Span.wrap(
                    SpanContext.create(traceId, Wire.newSpanId(), sampled ? TraceFlags.getSampled()
                            : TraceFlags.getDefault(), traceState))), out, Wire.SETTER);
        }
        if (chunkedUp) {
            out.bytes(Wire.CHUNKED);
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
                Wire.writeChunk(up, body.retainedDuplicate(), true);
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
                    Wire.writeChunk(up, Unpooled.EMPTY_BUFFER, true);
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
        long delay = retryContext == null || (code >= 500 && !mayRetry()) ? -1 : retryContext.onResult(code);
        if (code >= 500 && delay >= 0 && !done) {
            fw.metrics.retry(routeName, "status_5xx");
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
        out.bytes(req.http10 ? Wire.HTTP_1_0_SP : Wire.HTTP_1_1_SP).status(status).ch(' ');
        resp.writeReason(out);
        out.crlf();
        Headers.writeResponseFields(resp, out, framed || bodyless);
        out.field(Wire.X_REQUEST_ID, requestId);
        if (chunkedOut) {
            out.bytes(Wire.CHUNKED);
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
        if (!keepAlive || !fw.accepting.get()) {
            keepAlive = false;
            out.bytes(Wire.CONNECTION_CLOSE);
        } else if (req.http10) {
            out.bytes(Wire.CONNECTION_KEEP_ALIVE);
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
            toClient(Wire.chunkSizeLine(n));
            toClient(data);
            toClient(last ? Wire.CRLF_LAST_CHUNK : Wire.CRLF);
        } else {
            data.release();
            if (last) {
                toClient(Wire.LAST_CHUNK);
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
        String kind = Forwarder.kind(cause);
        fw.metrics.attempt(routeName, kind, nanos);
        attemptSpan.setStatus(StatusCode.ERROR, kind);
        attemptSpan.end();
        rt.breaker.ifPresent(b -> b.onError(nanos, TimeUnit.NANOSECONDS, cause));
        if (kind.equals("timeout")) {
            fw.metrics.timeout(routeName);
        } else {
            fw.metrics.connectionError(routeName, kind);
        }
        long delay = retryContext == null || !mayRetry() ? -1 : retryContext.onError(cause);
        if (delay >= 0 && !done) {
            fw.metrics.retry(routeName, kind);
            retryAfter(delay);
        } else if (kind.equals("timeout")) {
            fail(504, "upstream did not answer within " + route.timeout().toMillis() + " ms (attempts: "
                    + attempts + ")", null);
        } else {
            fail(502, "upstream " + route.forwardHost() + ":" + route.forwardPort() + " failed: " + kind
                    + " (attempts: " + attempts + ")", null);
        }
    }

    /** Whether the failed attempt may be tried again ({@link RetryPolicy}); a retry refused for want of a key counts. */
    private boolean mayRetry() {
        RetryPolicy.Verdict v = RetryPolicy.decide(RetryPolicy.idempotent(req.method), route.retryNonIdempotent(),
                keyed, written, route.maxRetry() + 1 - attempts);
        if (v == RetryPolicy.Verdict.NO_IDEMPOTENCY_KEY) {
            fw.metrics.retrySkipped(routeName, "no_idempotency_key");
        }
        return v == RetryPolicy.Verdict.RETRY;
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
        head.bytes(req.http10 ? Wire.HTTP_1_0_SP : Wire.HTTP_1_1_SP).status(code).ch(' ')
                .ascii(HttpResponseStatus.valueOf(code).reasonPhrase()).crlf();
        head.field(Wire.X_REQUEST_ID, requestId);
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
        fw.metrics.inFlight().decrementAndGet();
        int answered = responseEnded ? status : 499;
        long nanos = System.nanoTime() - startNanos;
        meters.request(method, answered, nanos);
        span.setAttribute("http.response.status_code", (long) answered);
        if (answered >= 500) {
            span.setStatus(StatusCode.ERROR);
        }
        span.end();
        if (fw.config.accessLog()) {
            ACCESS.atInfo().addKeyValue("method", method).addKeyValue("path", Forwarder.truncate(path))
                    .addKeyValue("route", routeName).addKeyValue("status", answered)
                    .addKeyValue("attempts", attempts).addKeyValue("duration_ms", nanos / 1e6)
                    .addKeyValue("request_id", requestId)
                    .addKeyValue("trace_id", traceId).log("request");
        }
        conn.answered(this);
    }
}
