package dev.faultline.chaos.proxy;

import dev.faultline.chaos.toxics.ToxicSpec;
import io.netty.channel.EventLoopGroup;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;

/** The proxies by name (sorted, as the real server's JSON map is). Every operation holds the registry's lock. */
public final class ProxyRegistry {
    private final TreeMap<String, Proxy> proxies = new TreeMap<>();
    private final EventLoopGroup group;
    private final Transport transport;
    private final ProxyMetrics metrics;

    public ProxyRegistry(EventLoopGroup group, Transport transport, ProxyMetrics metrics) {
        this.group = group;
        this.transport = transport;
        this.metrics = metrics;
    }

    /** What a create, populate or update asks for. {@code listen} empty means any interface, ephemeral port. */
    public record ProxyInput(String name, String listen, String upstream, boolean enabled) {
    }

    /** Populate failed part-way: the proxies handled before the failure, and the failure. */
    public static final class PopulateException extends Exception {
        private static final long serialVersionUID = 1L;
        private final transient List<Proxy> done;
        private final ApiException cause;

        PopulateException(List<Proxy> done, ApiException cause) {
            super(cause.getMessage(), cause, false, false);
            this.done = List.copyOf(done);
            this.cause = cause;
        }

        public List<Proxy> done() {
            return done;
        }

        public ApiException apiError() {
            return cause;
        }
    }

    public synchronized List<Proxy> all() {
        return new ArrayList<>(proxies.values());
    }

    public synchronized Proxy get(String name) throws ApiException {
        Proxy p = proxies.get(name);
        if (p == null) {
            throw ApiException.proxyNotFound();
        }
        return p;
    }

    public synchronized Proxy create(ProxyInput in) throws ApiException {
        if (proxies.containsKey(in.name())) {
            throw ApiException.proxyExists();
        }
        Proxy p = new Proxy(in.name(), in.listen(), in.upstream(), group, transport, metrics);
        if (in.enabled()) {
            p.start();
        }
        proxies.put(in.name(), p);
        return p;
    }

    /** Creates or replaces each proxy in order; an existing one with the same addresses is kept as it is. */
    public synchronized List<Proxy> populate(List<ProxyInput> inputs) throws PopulateException {
        List<Proxy> done = new ArrayList<>();
        for (ProxyInput in : inputs) {
            try {
                Proxy existing = proxies.get(in.name());
                if (existing != null) {
                    if (!existing.differs(in.listen(), in.upstream())) {
                        done.add(existing);
                        continue;
                    }
                    existing.stop();
                }
                Proxy p = new Proxy(in.name(), in.listen(), in.upstream(), group, transport, metrics);
                if (in.enabled()) {
                    p.start();
                }
                proxies.put(in.name(), p);
                done.add(p);
            } catch (ApiException e) {
                throw new PopulateException(done, e);
            }
        }
        return done;
    }

    /** Changes addresses (restarting the listener when they differ) and the enabled state. */
    public synchronized Proxy update(String name, String listen, String upstream, boolean enabled)
            throws ApiException {
        Proxy p = get(name);
        if (p.differs(listen, upstream)) {
            p.stop();
            p.retarget(listen, upstream);
        }
        if (enabled != p.enabled()) {
            if (enabled) {
                p.start();
            } else {
                p.stop();
            }
        }
        return p;
    }

    public synchronized void delete(String name) throws ApiException {
        Proxy p = get(name);
        p.stop();
        proxies.remove(name);
    }

    /** Re-enables every proxy and removes every toxic; deletes nothing. */
    public synchronized void reset() throws ApiException {
        for (Proxy p : proxies.values()) {
            p.start();
            p.removeAllToxics();
        }
    }

    public synchronized ToxicSpec addToxic(String proxy, ToxicSpec spec) throws ApiException {
        return get(proxy).addToxic(spec);
    }

    public synchronized void updateToxic(String proxy, ToxicSpec spec) throws ApiException {
        get(proxy).updateToxic(spec);
    }

    public synchronized void removeToxic(String proxy, String toxic) throws ApiException {
        get(proxy).removeToxic(toxic);
    }

    public synchronized void close() {
        for (Proxy p : proxies.values()) {
            p.stop();
        }
        proxies.clear();
    }
}
