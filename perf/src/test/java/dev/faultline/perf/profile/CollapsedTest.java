package dev.faultline.perf.profile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class CollapsedTest {
    private static final Collapsed BASELINE = Collapsed.of("""
            main;serve;parse 60
            main;serve;write 30
            main;gc 10
            """);
    private static final Collapsed PHASE = Collapsed.of("""
            main;serve;parse 20
            main;serve;write 20
            main;serve;handshake;rsaSign 50
            main;gc 10
            """);

    @Test
    void sharesCountAFrameOncePerStack() {
        Collapsed c = Collapsed.of("a;b;a 3\nb 1\n");
        assertThat(c.total()).isEqualTo(4);
        assertThat(c.inclusiveShare("a")).isCloseTo(0.75, within(1e-9));
        assertThat(c.selfShare("a")).isCloseTo(0.75, within(1e-9));
        assertThat(c.selfShare("b")).isCloseTo(0.25, within(1e-9));
        assertThat(c.inclusiveShare("b")).isCloseTo(1.0, within(1e-9));
    }

    @Test
    void theFrameDoingTheNewWorkComesFirst() {
        List<Collapsed.FrameChange> grew = Collapsed.grewMost(BASELINE, PHASE, 3);
        assertThat(grew).extracting(Collapsed.FrameChange::frame).containsExactly("rsaSign", "handshake");
        assertThat(grew.get(0).phaseSelf()).isCloseTo(0.5, within(1e-9));
        assertThat(grew.get(0).baselineSelf()).isZero();
        assertThat(grew).noneMatch(c -> c.frame().equals("parse") || c.frame().equals("serve"));
    }

    @Test
    void shareOfStacksMatchingAPattern() {
        assertThat(PHASE.shareMatching(Pattern.compile("handshake|rsa"))).isCloseTo(0.5, within(1e-9));
        assertThat(BASELINE.shareMatching(Pattern.compile("handshake"))).isZero();
        assertThat(Collapsed.of("").total()).isZero();
    }
}
