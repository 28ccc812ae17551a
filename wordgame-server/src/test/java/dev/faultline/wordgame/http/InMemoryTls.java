package dev.faultline.wordgame.http;

import dev.faultline.wordgame.config.ServerConfig;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.SslContext;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.internal.tls.SslContextManager;
import io.vertx.core.internal.tls.SslContextProvider;
import io.vertx.core.net.ServerSSLOptions;
import java.io.InputStream;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLEngineResult.HandshakeStatus;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSession;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * TLS handshakes between a client and the word-game server's TLS stack, in memory: two {@link SSLEngine}s pass their
 * records through {@link ByteBuffer}s on the calling thread, no sockets.
 *
 * <p>The server side is built the way the server builds it: {@link ServerConfig} parsed from the server's own flags
 * ({@code --tls-keystore <bench-*.p12> --tls-keystore-password changeit --tls-protocols <version>}), then
 * {@link WordgameServer#serverOptions(ServerConfig)}, then Vert.x's own {@link SslContextManager} (internal API of
 * Vert.x 5.0) resolves the engine options (the JDK provider, SunJSSE: netty-tcnative is not on the class path), loads
 * the key with Vert.x's {@code PfxOptions}, applies Vert.x's default cipher suites and gives the Netty
 * {@link SslContext} whose {@code newEngine} Vert.x's {@code SslChannelProvider} calls for each accepted connection;
 * the returned engine is configured by Vert.x (enabled protocols). Not included: Netty's {@code SslHandler} around the
 * engine (buffer handling, the handshake timeout) and the socket I/O.
 *
 * <p>The client is a plain JDK {@link SSLContext} (TLSv1.3 and TLSv1.2 offered, like Gatling or any JDK client) that
 * trusts the keystore's certificate. Its trust manager counts the server certificates it checks: a full handshake
 * checks one, a resumed one none, so {@link Handshake#resumed()} is proof, not inference. A full handshake uses a
 * client engine without peer host and port (the JDK then neither looks up nor offers a cached session); a resumable
 * one is created for {@code localhost:443}, so the client's session cache offers the session (TLSv1.2 session id or
 * ticket, TLSv1.3 PSK ticket) of the previous handshake with the same peer.
 *
 * <p>{@link Handshake#serverNanos()} is the wall time spent in the server engine's calls ({@code newEngine},
 * {@code beginHandshake}, {@code wrap}, {@code unwrap} and the delegated tasks, which run inline as Vert.x runs them
 * without a worker pool): the server's share of one handshake. The client's calls are not counted.
 */
public final class InMemoryTls implements AutoCloseable {
    /** Server key types, each a PKCS#12 test keystore in {@code src/test/resources/tls} (see README.txt there). */
    public enum KeyType {
        RSA_2048("bench-rsa2048.p12", "RSA", 2048),
        RSA_4096("bench-rsa4096.p12", "RSA", 4096),
        EC_P256("bench-ec-p256.p12", "EC", 256);

        public final String keystore;
        public final String algorithm;
        public final int bits;

        KeyType(String keystore, String algorithm, int bits) {
            this.keystore = keystore;
            this.algorithm = algorithm;
            this.bits = bits;
        }
    }

    /** One completed handshake: both sessions, whether it was resumed (no certificate checked) and the server time. */
    public record Handshake(SSLSession client, SSLSession server, boolean resumed, long serverNanos) {
    }

    public static final String PASSWORD = "changeit";
    private static final ByteBuffer EMPTY = ByteBuffer.allocate(0);
    private static final int MAX_STEPS = 100;

    private final KeyType keyType;
    private final String protocol;
    private final Path keystoreFile;
    private final Vertx vertx;
    private final SslContext serverContext;
    private final SSLContext clientContext;
    private final AtomicLong certificateChecks = new AtomicLong();
    private final ByteBuffer clientToServer;
    private final ByteBuffer serverToClient;
    private final ByteBuffer clientApp;
    private final ByteBuffer serverApp;
    private long serverNanos;

    private InMemoryTls(KeyType keyType, String protocol) throws Exception {
        this.keyType = keyType;
        this.protocol = protocol;
        this.keystoreFile = Files.createTempFile("wordgame-bench-", ".p12");
        try (InputStream in = InMemoryTls.class.getResourceAsStream("/tls/" + keyType.keystore)) {
            if (in == null) {
                throw new IllegalStateException("test resource /tls/" + keyType.keystore + " is missing");
            }
            Files.write(keystoreFile, in.readAllBytes());
        }
        this.vertx = Vertx.vertx();
        try {
            this.serverContext = serverContext(vertx, keystoreFile, protocol);
            this.clientContext = clientContext(keystoreFile, certificateChecks);
        } catch (Exception e) {
            close();
            throw e;
        }
        SSLSession sizes = clientContext.createSSLEngine().getSession();
        int net = sizes.getPacketBufferSize() * 4;
        clientToServer = ByteBuffer.allocate(net);
        serverToClient = ByteBuffer.allocate(net);
        clientApp = ByteBuffer.allocate(sizes.getApplicationBufferSize());
        serverApp = ByteBuffer.allocate(sizes.getApplicationBufferSize());
    }

    /** A server with this key that enables only {@code protocol} ({@code TLSv1.3} or {@code TLSv1.2}). */
    public static InMemoryTls start(KeyType keyType, String protocol) throws Exception {
        return new InMemoryTls(keyType, protocol);
    }

    private static SslContext serverContext(Vertx vertx, Path keystore, String protocol) throws Exception {
        ServerConfig config = ServerConfig.parse(ServerConfig.flags().parse(new String[] {
            "--tls-keystore", keystore.toString(), "--tls-keystore-password", PASSWORD, "--tls-protocols", protocol,
        }, Map.of()));
        HttpServerOptions options = WordgameServer.serverOptions(config);
        if (!options.isSsl()) {
            throw new IllegalStateException("the server options do not enable TLS");
        }
        // as NetServerImpl does when it starts listening
        ServerSSLOptions ssl = options.getSslOptions();
        SslContextManager manager = new SslContextManager(
                SslContextManager.resolveEngineOptions(options.getSslEngineOptions(), ssl.isUseAlpn()));
        ContextInternal context = ((VertxInternal) vertx).getOrCreateContext();
        SslContextProvider provider = manager.resolveSslContextProvider(ssl, null, ssl.getClientAuth(),
                ssl.getApplicationLayerProtocols(), context)
                .toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        // as SslChannelProvider does for each accepted connection (no SNI: the server does not enable it)
        return provider.sslServerContext(ssl.isUseAlpn());
    }

    private static SSLContext clientContext(Path keystore, AtomicLong checks) throws Exception {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(keystore)) {
            ks.load(in, PASSWORD.toCharArray());
        }
        KeyStore trusted = KeyStore.getInstance("PKCS12");
        trusted.load(null, null);
        trusted.setCertificateEntry("server", ks.getCertificate(ks.aliases().nextElement()));
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trusted);
        X509ExtendedTrustManager pkix = null;
        for (TrustManager tm : tmf.getTrustManagers()) {
            if (tm instanceof X509ExtendedTrustManager x) {
                pkix = x;
            }
        }
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, new TrustManager[] {new CountingTrustManager(pkix, checks)}, null);
        return ctx;
    }

    /**
     * One complete handshake: a new server engine from the server's context and a new client engine, records passed
     * until both engines are done and no record is in flight (TLSv1.3 session tickets included). With {@code resumable}
     * the client offers the session of the previous resumable handshake, if it has one.
     */
    public Handshake handshake(boolean resumable) throws SSLException {
        return handshake(resumable, 0);
    }

    /** As {@link #handshake(boolean)}, pausing {@code stepDelayMillis} after each round trip (a slow network). */
    public Handshake handshake(boolean resumable, long stepDelayMillis) throws SSLException {
        long checksBefore = certificateChecks.get();
        serverNanos = 0;
        clientToServer.clear();
        serverToClient.clear();
        SSLEngine client = resumable ? clientContext.createSSLEngine("localhost", 443) : clientContext.createSSLEngine();
        client.setUseClientMode(true);

        long t = System.nanoTime();
        SSLEngine server = serverContext.newEngine(ByteBufAllocator.DEFAULT, "127.0.0.1", 40000);
        server.beginHandshake();
        serverNanos += System.nanoTime() - t;
        client.beginHandshake();

        for (int steps = 0; ; steps++) {
            if (steps > MAX_STEPS) {
                throw new SSLException("handshake did not finish in " + MAX_STEPS + " steps: client "
                        + client.getHandshakeStatus() + ", server " + server.getHandshakeStatus());
            }
            boolean progress = step(client, serverToClient, clientToServer, clientApp);
            t = System.nanoTime();
            progress |= step(server, clientToServer, serverToClient, serverApp);
            serverNanos += System.nanoTime() - t;
            if (stepDelayMillis > 0) {
                try {
                    Thread.sleep(stepDelayMillis);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new SSLException("interrupted");
                }
            }
            if (done(client) && done(server) && clientToServer.position() == 0 && serverToClient.position() == 0) {
                break;
            }
            if (!progress) {
                throw new SSLException("handshake stalled: client " + client.getHandshakeStatus() + ", server "
                        + server.getHandshakeStatus());
            }
        }
        return new Handshake(client.getSession(), server.getSession(), certificateChecks.get() == checksBefore,
                serverNanos);
    }

    private static boolean done(SSLEngine e) {
        return e.getHandshakeStatus() == HandshakeStatus.NOT_HANDSHAKING;
    }

    /** One move of one engine; {@code in} and {@code out} are in write mode. Returns whether anything happened. */
    private static boolean step(SSLEngine e, ByteBuffer in, ByteBuffer out, ByteBuffer app) throws SSLException {
        switch (e.getHandshakeStatus()) {
            case NEED_TASK -> {
                Runnable task;
                while ((task = e.getDelegatedTask()) != null) {
                    task.run();
                }
                return true;
            }
            case NEED_WRAP -> {
                SSLEngineResult r = e.wrap(EMPTY, out);
                check(r, e);
                return true;
            }
            default -> {
                // NEED_UNWRAP, NEED_UNWRAP_AGAIN, or done but with a post-handshake record (session ticket) waiting
                if (in.position() == 0 && e.getHandshakeStatus() != HandshakeStatus.NEED_UNWRAP_AGAIN) {
                    return false;
                }
                in.flip();
                SSLEngineResult r;
                try {
                    app.clear();
                    r = e.unwrap(in, app);
                } finally {
                    in.compact();
                }
                check(r, e);
                if (app.position() != 0) {
                    throw new SSLException("unexpected application data during the handshake");
                }
                return r.bytesConsumed() > 0 || r.getHandshakeStatus() != HandshakeStatus.NEED_UNWRAP;
            }
        }
    }

    private static void check(SSLEngineResult r, SSLEngine e) throws SSLException {
        if (r.getStatus() != SSLEngineResult.Status.OK && r.getStatus() != SSLEngineResult.Status.BUFFER_UNDERFLOW) {
            throw new SSLException((e.getUseClientMode() ? "client" : "server") + ": " + r);
        }
    }

    public KeyType keyType() {
        return keyType;
    }

    public String protocol() {
        return protocol;
    }

    /** Server certificates the client has checked so far: one per full handshake. */
    public long certificateChecks() {
        return certificateChecks.get();
    }

    @Override
    public void close() {
        try {
            vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            // best effort: a benchmark or test is ending
        }
        try {
            Files.deleteIfExists(keystoreFile);
        } catch (java.io.IOException e) {
            // a temp file
        }
    }

    /** The JDK's PKIX trust manager, counting the server certificate chains it is asked to check. */
    private static final class CountingTrustManager extends X509ExtendedTrustManager {
        private final X509ExtendedTrustManager delegate;
        private final AtomicLong checks;

        CountingTrustManager(X509ExtendedTrustManager delegate, AtomicLong checks) {
            this.delegate = delegate;
            this.checks = checks;
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
                throws CertificateException {
            checks.incrementAndGet();
            delegate.checkServerTrusted(chain, authType, engine);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
                throws CertificateException {
            checks.incrementAndGet();
            delegate.checkServerTrusted(chain, authType, socket);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            checks.incrementAndGet();
            delegate.checkServerTrusted(chain, authType);
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
                throws CertificateException {
            delegate.checkClientTrusted(chain, authType, engine);
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
                throws CertificateException {
            delegate.checkClientTrusted(chain, authType, socket);
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            delegate.checkClientTrusted(chain, authType);
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return delegate.getAcceptedIssuers();
        }
    }
}
