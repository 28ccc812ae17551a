package dev.faultline.chaos.toxics;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;

/** The toxic types, registered by name in one table: their attributes (in JSON order) and how to make one. */
public enum ToxicType {
    LATENCY("latency", "LatencyToxic", Latency::new, "latency", "jitter"),
    BANDWIDTH("bandwidth", "BandwidthToxic", Bandwidth::new, "rate"),
    SLOW_CLOSE("slow_close", "SlowCloseToxic", SlowClose::new, "delay"),
    TIMEOUT("timeout", "TimeoutToxic", Timeout::new, "timeout"),
    RESET_PEER("reset_peer", "ResetToxic", ResetPeer::new, "timeout"),
    SLICER("slicer", "SlicerToxic", Slicer::new, "average_size", "size_variation", "delay"),
    LIMIT_DATA("limit_data", "LimitDataToxic", LimitData::new, "bytes"),
    NOOP("noop", "NoopToxic", Noop::new);

    private static final Map<String, ToxicType> BY_NAME =
            Arrays.stream(values()).collect(Collectors.toUnmodifiableMap(t -> t.typeName, Function.identity()));

    private final String typeName;
    private final String goStruct;
    private final Function<ToxicSpec, Toxic> factory;
    private final List<String> attributes;

    ToxicType(String typeName, String goStruct, Function<ToxicSpec, Toxic> factory, String... attributes) {
        this.typeName = typeName;
        this.goStruct = goStruct;
        this.factory = factory;
        this.attributes = List.of(attributes);
    }

    public static Optional<ToxicType> byName(String name) {
        return Optional.ofNullable(name == null ? null : BY_NAME.get(name));
    }

    public String typeName() {
        return typeName;
    }

    /** The name of the real server's Go struct, for error messages that match its wording. */
    public String goStruct() {
        return goStruct;
    }

    /** Attribute names in the order the real server writes them. */
    public List<String> attributes() {
        return attributes;
    }

    /** A fresh instance for one direction of one connection. */
    public Toxic create(ToxicSpec spec) {
        return factory.apply(spec);
    }
}
