package dev.faultline.chaos.proxy;

import dev.faultline.chaos.toxics.ToxicSpec;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * One named proxy: a listener, its upstream, its toxics (each stream in creation order) and its live connections.
 * Public methods are called from the API under the registry's lock and are synchronized on the proxy; data moves
 * on the Netty event loops only.
 */
public final class Proxy {
    private static final int CONNECT_TIMEOUT_MS = 10_000;

    private final String name;
    private final EventLoopGroup group;
    private final Transport transport;
    private final ProxyMetrics metrics;
    private final List<ToxicSpec> toxics = new ArrayList<>();
    private final Set<Connection> connections = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private String listen;
    private String upstream;
    private boolean enabled;
    private Channel server;
    private ProxyMetrics.Bytes bytes;

    Proxy(String name, String listen, String upstream, EventLoopGroup group, Transport transport,
          ProxyMetrics metrics) {
        this.transport = transport;
        this.name = name;
        this.listen = listen;
        this.upstream = upstream;
        this.group = group;
        this.metrics = metrics;
    }

    public String name() {
        return name;
    }

    public synchronized String listen() {
        return listen;
    }

    public synchronized String upstream() {
        return upstream;
    }

    public synchronized boolean enabled() {
        return enabled;
    }

    public int connectionCount() {
        return connections.size();
    }

    /** Upstream toxics first, then downstream, each in creation order (as the real server lists them). */
    public synchronized List<ToxicSpec> toxics() {
        List<ToxicSpec> out = new ArrayList<>();
        for (ToxicSpec.Direction d : ToxicSpec.Direction.values()) {
            for (ToxicSpec t : toxics) {
                if (t.direction() == d) {
                    out.add(t);
                }
            }
        }
        return out;
    }

    public synchronized Optional<ToxicSpec> toxic(String toxicName) {
        return toxics.stream().filter(t -> t.name().equals(toxicName)).findFirst();
    }

    synchronized void start() throws ApiException {
        if (enabled) {
            return;
        }
        InetSocketAddress address = listen.isEmpty() ? new InetSocketAddress(0) : Addresses.parseListen(listen);
        ChannelFuture bind = new ServerBootstrap().group(group).channel(transport.serverChannel())
                .option(ChannelOption.SO_REUSEADDR, true)
                .childOption(ChannelOption.AUTO_READ, false)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel client) {
                        accepted(client);
                    }
                })
                .bind(address);
        if (!bind.awaitUninterruptibly(10, TimeUnit.SECONDS) || !bind.isSuccess()) {
            bind.channel().close();
            String reason = bind.cause() == null ? "timed out" : bind.cause().getMessage();
            if (reason != null && reason.toLowerCase(java.util.Locale.ROOT).contains("address already in use")) {
                reason = "bind: address already in use";
            }
            throw ApiException.server("listen tcp " + (listen.isEmpty() ? ":0"
                    : Addresses.bindErrorAddress(listen, address)) + ": " + reason);
        }
        server = bind.channel();
        listen = Addresses.format((InetSocketAddress) server.localAddress());
        bytes = metrics.forProxy(name, listen, upstream);
        enabled = true;
    }

    /** Stops listening and closes every connection; waits (outside the lock) until the port is free. */
    void stop() {
        Channel listener;
        synchronized (this) {
            if (!enabled) {
                return;
            }
            enabled = false;
            listener = server;
            server = null;
        }
        listener.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
        for (Connection c : new ArrayList<>(connections)) {
            c.execute(c::close);
        }
    }

    /** Whether {@code newListen}/{@code newUpstream} name another address than the current one. */
    synchronized boolean differs(String newListen, String newUpstream) throws ApiException {
        String resolved = newListen.isEmpty() ? "[::]:0" : Addresses.format(Addresses.parseListen(newListen));
        return !listen.equals(resolved) || !upstream.equals(newUpstream);
    }

    synchronized void retarget(String newListen, String newUpstream) {
        listen = newListen;
        upstream = newUpstream;
    }

    /*
     * Toxic changes: the list changes under the proxy's lock, then every live connection applies the change on its
     * event loop, and the call returns only when all have (as the real server answers only after its links changed),
     * waiting outside the lock so an event loop that needs the lock cannot stall it.
     */

    ToxicSpec addToxic(ToxicSpec spec) throws ApiException {
        List<Connection> live;
        synchronized (this) {
            if (toxic(spec.name()).isPresent()) {
                throw ApiException.toxicExists();
            }
            toxics.add(spec);
            live = new ArrayList<>(connections);
        }
        applyToAll(live, c -> c.link(spec.direction()).add(spec));
        return spec;
    }

    void updateToxic(ToxicSpec spec) {
        List<Connection> live;
        synchronized (this) {
            toxics.replaceAll(t -> t.name().equals(spec.name()) ? spec : t);
            live = new ArrayList<>(connections);
        }
        applyToAll(live, c -> c.link(spec.direction()).update(spec));
    }

    void removeToxic(String toxicName) throws ApiException {
        ToxicSpec spec;
        List<Connection> live;
        synchronized (this) {
            spec = toxic(toxicName).orElseThrow(ApiException::toxicNotFound);
            toxics.remove(spec);
            live = new ArrayList<>(connections);
        }
        applyToAll(live, c -> c.link(spec.direction()).remove(toxicName));
    }

    void removeAllToxics() {
        for (ToxicSpec spec : toxics()) {
            try {
                removeToxic(spec.name());
            } catch (ApiException e) {
                // removed concurrently: nothing left to do
            }
        }
    }

    private static void applyToAll(List<Connection> live, java.util.function.Consumer<Connection> change) {
        List<io.netty.util.concurrent.Future<?>> done = new ArrayList<>();
        for (Connection c : live) {
            done.add(c.execute(() -> change.accept(c)));
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        for (io.netty.util.concurrent.Future<?> f : done) {
            f.awaitUninterruptibly(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        }
    }

    void connectionClosed(Connection c) {
        connections.remove(c);
    }

    /** A client connected: dial the upstream on the same event loop, then start relaying. */
    private void accepted(SocketChannel client) {
        InetSocketAddress target = Addresses.upstream(upstream());
        new Bootstrap().group(client.eventLoop()).channel(transport.socketChannel())
                .option(ChannelOption.AUTO_READ, false)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, CONNECT_TIMEOUT_MS)
                .handler(new ChannelInboundHandlerAdapter())
                .connect(target)
                .addListener((ChannelFuture f) -> {
                    if (!f.isSuccess() || !client.isActive()) {
                        f.channel().close();
                        client.close();
                        return;
                    }
                    Connection c = new Connection(this, client, f.channel());
                    List<ToxicSpec> up;
                    List<ToxicSpec> down;
                    ProxyMetrics.Bytes counters;
                    synchronized (this) {
                        if (!enabled) {
                            f.channel().close();
                            client.close();
                            return;
                        }
                        up = toxicsOf(ToxicSpec.Direction.UPSTREAM);
                        down = toxicsOf(ToxicSpec.Direction.DOWNSTREAM);
                        counters = bytes;
                        connections.add(c);
                    }
                    c.start(up, down, counters);
                });
    }

    private List<ToxicSpec> toxicsOf(ToxicSpec.Direction d) {
        return toxics.stream().filter(t -> t.direction() == d).toList();
    }
}
