package dev.faultline.proxy.telemetry;

import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Tracer;
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
import java.net.URI;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * OpenTelemetry for the proxy: extracts W3C trace context and baggage, B3 (single and multi header) and Jaeger
 * contexts, injects all of them upstream; spans are exported over OTLP/HTTP only when an endpoint is configured.
 */
public final class Tracing implements AutoCloseable {
    private final OpenTelemetrySdk sdk;
    private final Tracer tracer;

    public Tracing(String serviceName, Optional<String> otlpEndpoint, double samplingRatio) {
        SdkTracerProviderBuilder provider = SdkTracerProvider.builder()
                .setResource(Resource.getDefault().merge(Resource.create(
                        Attributes.of(io.opentelemetry.api.common.AttributeKey.stringKey("service.name"), serviceName))))
                .setSampler(Sampler.parentBased(Sampler.traceIdRatioBased(samplingRatio)));
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

    public Tracer tracer() {
        return tracer;
    }

    public TextMapPropagator propagator() {
        return sdk.getPropagators().getTextMapPropagator();
    }

    @Override
    public void close() {
        sdk.getSdkTracerProvider().shutdown().join(5, TimeUnit.SECONDS);
    }
}
