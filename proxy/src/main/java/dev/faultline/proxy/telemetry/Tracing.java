package dev.faultline.proxy.telemetry;

import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.opentelemetry.context.propagation.TextMapPropagator;
import io.opentelemetry.api.baggage.propagation.W3CBaggagePropagator;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.extension.trace.propagation.B3Propagator;
import io.opentelemetry.extension.trace.propagation.JaegerPropagator;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.SdkTracerProviderBuilder;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import io.opentelemetry.sdk.trace.samplers.Sampler;
import io.opentelemetry.sdk.trace.samplers.SamplingDecision;
import io.opentelemetry.sdk.trace.samplers.SamplingResult;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * OpenTelemetry for the proxy: extracts W3C trace context and baggage, B3 (single and multi header) and Jaeger
 * contexts, injects all of them upstream; spans are exported over OTLP/HTTP only when an endpoint is configured.
 * Without an exporter nothing would ever read a recorded span, so there are no spans then: the caller propagates
 * the trace id (continued or new) and the sampler's decision with a new span id, which is all that an unrecorded
 * span's context would carry upstream ({@link #recording()}, {@link #sampledRoot}).
 */
public final class Tracing implements AutoCloseable {
    private static final String SERVER_SPAN = "proxy request";
    private final OpenTelemetrySdk sdk;
    private final Tracer tracer;
    private final boolean recording;
    private final Sampler sampler;
    private final boolean sampleAllRoots;

    public Tracing(String serviceName, Optional<String> otlpEndpoint, double samplingRatio) {
        sampler = Sampler.parentBased(Sampler.traceIdRatioBased(samplingRatio));
        sampleAllRoots = samplingRatio >= 1.0;
        recording = otlpEndpoint.isPresent();
        SdkTracerProviderBuilder provider = SdkTracerProvider.builder()
                .setResource(Resource.getDefault().merge(Resource.create(
                        Attributes.of(io.opentelemetry.api.common.AttributeKey.stringKey("service.name"), serviceName))))
                .setSampler(sampler);
        otlpEndpoint.ifPresent(endpoint -> provider.addSpanProcessor(BatchSpanProcessor.builder(
                        OtlpHttpSpanExporter.builder().setEndpoint(tracesUrl(endpoint))
                                .setTimeout(Duration.ofSeconds(5)).build())
                .setMaxQueueSize(2048).build()));
        sdk = OpenTelemetrySdk.builder()
                .setTracerProvider(provider.build())
                .setPropagators(ContextPropagators.create(TextMapPropagator.composite(
                        W3CTraceContextPropagator.getInstance(),
                        W3CBaggagePropagator.getInstance(),
                        B3Propagator.injectingSingleHeader(),
                        JaegerPropagator.getInstance())))
                .build();
        tracer = sdk.getTracer("dev.faultline.proxy");
    }

    /** An OTLP base URL gets the traces path appended; a URL that already names a path is used as it is. */
    static String tracesUrl(String endpoint) {
        String path = URI.create(endpoint).getPath();
        if (path == null || path.isEmpty() || path.equals("/")) {
            return endpoint.replaceAll("/$", "") + "/v1/traces";
        }
        return endpoint;
    }

    /** The server span of a request, child of the caller's context when there is one (invalid when not recording). */
    public Span serverSpan(Context parent, String method, String path, String route) {
        if (!recording) {
            return Span.getInvalid();
        }
        return tracer.spanBuilder(method + " " + route).setParent(parent).setSpanKind(SpanKind.SERVER)
                .setAttribute("http.request.method", method).setAttribute("url.path", path)
                .setAttribute("http.route", route).startSpan();
    }

    /**
     * Whether spans are recorded (exported). When they are not, an attempt has no span of its own
     * ({@link #attemptSpan} is the invalid span): the caller propagates the server span's trace id and sampled flag
     * with a new span id, which is all an unrecorded span's context would carry.
     */
    public boolean recording() {
        return recording;
    }

    /** The client span of one attempt upstream, child of the request's server span (invalid when not recording). */
    public Span attemptSpan(Span server, String method, int port, int attempt) {
        if (!recording) {
            return Span.getInvalid();
        }
        Context parent = Context.root().with(server);
        return tracer.spanBuilder(method + " upstream").setParent(parent).setSpanKind(SpanKind.CLIENT)
                .setAttribute("server.port", (long) port).setAttribute("faultline.attempt", (long) attempt)
                .startSpan();
    }

    /**
     * For unrecorded requests without a caller's context: whether a new trace with this id is sampled (the
     * parent-based sampler's root decision; with {@code samplingRatio} 1 every trace is).
     */
    public boolean sampledRoot(String traceId) {
        return sampleAllRoots || sampler.shouldSample(Context.root(), traceId, SERVER_SPAN, SpanKind.SERVER,
                Attributes.empty(), List.of()).getDecision() == SamplingDecision.RECORD_AND_SAMPLE;
    }

    public TextMapPropagator propagator() {
        return sdk.getPropagators().getTextMapPropagator();
    }

    @Override
    public void close() {
        sdk.getSdkTracerProvider().shutdown().join(5, TimeUnit.SECONDS);
    }
}
