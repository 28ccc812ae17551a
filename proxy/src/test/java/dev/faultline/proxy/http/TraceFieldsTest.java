package dev.faultline.proxy.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.faultline.proxy.telemetry.Tracing;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.context.Context;
import io.opentelemetry.sdk.trace.IdGenerator;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/** The trace fields the proxy writes itself are exactly what OpenTelemetry's propagators would have written. */
class TraceFieldsTest {
    @Test
    void directlyWrittenTraceFieldsEqualThePropagatorsOutput() {
        IdGenerator ids = IdGenerator.random();
        try (Tracing tracing = new Tracing("test", Optional.empty(), 1.0)) {
            for (int i = 0; i < 50; i++) {
                TraceFlags flags = i % 2 == 0 ? TraceFlags.getSampled() : TraceFlags.getDefault();
                SpanContext sc = SpanContext.create(ids.generateTraceId(), ids.generateSpanId(), flags,
                        TraceState.getDefault());
                HeadBuilder direct = HeadBuilder.get();
                Wire.writeTraceFields(sc.getTraceId(), sc.getSpanId(), sc.isSampled(), direct);
                Set<String> written = lines(direct);

                HeadBuilder viaPropagators = HeadBuilder.get();
                tracing.propagator().inject(Context.root().with(Span.wrap(sc)), viaPropagators, HeadBuilder::field);
                assertThat(written).isEqualTo(lines(viaPropagators)).hasSize(3);
            }
        }
    }

    @Test
    void requestIdsAreThirtyTwoRandomHexDigits() {
        Set<String> seen = new TreeSet<>();
        for (int i = 0; i < 1000; i++) {
            String id = Wire.newId();
            assertThat(id).matches("[0-9a-f]{32}");
            seen.add(id);
        }
        assertThat(seen).hasSize(1000);
        assertThat(String.join("", seen).chars().distinct().count()).isEqualTo(16);
        for (int i = 0; i < 1000; i++) {
            assertThat(Wire.newSpanId()).matches("[0-9a-f]{16}").isNotEqualTo("0".repeat(16));
        }
    }

    private static Set<String> lines(HeadBuilder b) {
        ByteBuf buf = b.toBuffer(ByteBufAllocator.DEFAULT, 0);
        try {
            return new TreeSet<>(Set.of(buf.toString(StandardCharsets.ISO_8859_1).split("\r\n")));
        } finally {
            buf.release();
        }
    }
}
