package dev.faultline.wordgame.http;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.Handler;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;

/**
 * Warms the TLS path up before the server takes traffic: a private listener on a loopback ephemeral port with the
 * real listener's options answers full handshakes (a new client context each, {@code GET /health} over it) from
 * two threads until {@code count} handshakes are done or the time budget is spent. A JVM that has just started
 * runs the handshake's arithmetic in the interpreter and spends its first seconds compiling it; a server that
 * takes a connection storm in that state answers too late for every client (see perf.md). The private listener
 * and its port are gone before the real ones bind.
 */
final class TlsWarmup {
    private TlsWarmup() {
    }

    /** What the warm-up did. */
    record Result(int handshakes, long millis, String error) {
    }

    static Result run(Vertx vertx, HttpServerOptions options, Handler<HttpServerRequest> handler, int count,
                      long budgetMillis) {
        long t0 = System.nanoTime();
        HttpServer server = vertx.createHttpServer(new HttpServerOptions(options).setHost("127.0.0.1"))
                .requestHandler(handler);
        try {
            int port = await(server.listen(0, "127.0.0.1"), 30_000).actualPort();
            long deadline = t0 + TimeUnit.MILLISECONDS.toNanos(budgetMillis);
            AtomicInteger claimed = new AtomicInteger();
            AtomicInteger done = new AtomicInteger();
            List<Thread> threads = new ArrayList<>();
            AtomicReference<String> error = new AtomicReference<>();
            for (int i = 0; i < 2; i++) {
                Thread t = new Thread(() -> {
                    try {
                        SSLContext ctx = client();
                        while (System.nanoTime() < deadline && claimed.getAndIncrement() < count) {
                            handshake(ctx, port);
                            done.incrementAndGet();
                        }
                    } catch (IOException | GeneralSecurityException e) {
                        error.set(e.toString());
                    }
                }, "tls-warmup-" + i);
                t.setDaemon(true);
                t.start();
                threads.add(t);
            }
            for (Thread t : threads) {
                t.join(budgetMillis + 10_000);
            }
            return new Result(done.get(), TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0), error.get());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Result(0, 0, "interrupted");
        } catch (RuntimeException e) {
            return new Result(0, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0), e.toString());
        } finally {
            try {
                await(server.close(), 10_000);
            } catch (RuntimeException e) {
                // the warm-up is best effort; the real listeners do not depend on this one
            }
        }
    }

    /** A client context trusting anything: it only ever talks to our own loopback listener. */
    private static SSLContext client() throws GeneralSecurityException {
        SSLContext ctx = SSLContext.getInstance("TLS");
        // our own certificate on our own loopback listener: nothing to verify
        ctx.init(null, new TrustManager[] {new X509TrustManager() {
            public void checkClientTrusted(X509Certificate[] chain, String authType) {
            }

            public void checkServerTrusted(X509Certificate[] chain, String authType) {
            }

            public X509Certificate[] getAcceptedIssuers() {
                return new X509Certificate[0];
            }
        }}, null);
        return ctx;
    }

    /** One full handshake (the session is invalidated after it, so the next one is full too) and one request. */
    private static void handshake(SSLContext ctx, int port) throws IOException {
        try (SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket("127.0.0.1", port)) {
            s.setSoTimeout(10_000);
            s.setTcpNoDelay(true);
            OutputStream out = s.getOutputStream();
            out.write("GET /health HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = s.getInputStream();
            in.readAllBytes();
            s.getSession().invalidate();
        }
    }

    private static <T> T await(Future<T> f, long millis) {
        try {
            return f.toCompletionStage().toCompletableFuture().get(millis, TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw new IllegalStateException(e.getCause());
        } catch (TimeoutException e) {
            throw new IllegalStateException("no answer within " + millis + " ms");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted");
        }
    }
}
