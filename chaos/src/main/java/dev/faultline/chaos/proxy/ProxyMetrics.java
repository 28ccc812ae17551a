package dev.faultline.chaos.proxy;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * Byte counters named as the real Toxiproxy's ({@code toxiproxy_proxy_received_bytes_total},
 * {@code toxiproxy_proxy_sent_bytes_total}, labels direction, proxy, listener, upstream).
 */
public final class ProxyMetrics {
    public static final String RECEIVED = "toxiproxy.proxy.received.bytes";
    public static final String SENT = "toxiproxy.proxy.sent.bytes";

    private final MeterRegistry registry;

    public ProxyMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    /** The four counters of one proxy while it listens on {@code listen}. */
    record Bytes(Counter receivedUp, Counter receivedDown, Counter sentUp, Counter sentDown) {
    }

    Bytes forProxy(String proxy, String listen, String upstream) {
        return new Bytes(counter(RECEIVED, "upstream", proxy, listen, upstream),
                counter(RECEIVED, "downstream", proxy, listen, upstream),
                counter(SENT, "upstream", proxy, listen, upstream),
                counter(SENT, "downstream", proxy, listen, upstream));
    }

    private Counter counter(String name, String direction, String proxy, String listen, String upstream) {
        return Counter.builder(name).baseUnit("bytes")
                .description(name.equals(RECEIVED) ? "Bytes read from the sending side" : "Bytes written on")
                .tag("direction", direction).tag("proxy", proxy).tag("listener", listen).tag("upstream", upstream)
                .register(registry);
    }
}
