package dev.faultline.prober.probe;

import java.time.Duration;
import java.util.Optional;

/**
 * What one probe found: which probe and endpoint, how long it took, the HTTP status (0 when no answer arrived),
 * whether it succeeded, and why not.
 */
public record ProbeResult(String probe, String target, Duration duration, int status, boolean success,
                          Optional<String> error) {
}
