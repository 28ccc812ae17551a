package dev.faultline.proxy.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.faultline.proxy.http.RetryPolicy.Verdict;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The retry decision without I/O: what may have reached the upstream decides. */
class RetryPolicyTest {
    private static Verdict post(boolean retryNonIdempotent, boolean keyed, boolean written) {
        return RetryPolicy.decide(false, retryNonIdempotent, keyed, written, 1);
    }

    @Test
    void aRequestNothingOfWhichWasWrittenIsAlwaysRetried() {
        assertThat(post(false, false, false)).isEqualTo(Verdict.RETRY);
        assertThat(post(true, false, false)).isEqualTo(Verdict.RETRY);
    }

    @Test
    void aNonIdempotentRequestThatMayHaveArrivedIsRetriedOnlyWithAKeyOnARouteThatAllowsIt() {
        assertThat(post(false, true, true)).isEqualTo(Verdict.NOT_FOR_METHOD);
        assertThat(post(false, false, true)).isEqualTo(Verdict.NOT_FOR_METHOD);
        assertThat(post(true, false, true)).isEqualTo(Verdict.NO_IDEMPOTENCY_KEY);
        assertThat(post(true, true, true)).isEqualTo(Verdict.RETRY);
    }

    @Test
    void idempotentMethodsAreRetriedAsBefore() {
        for (String m : new String[] {"GET", "HEAD", "OPTIONS", "TRACE", "PUT", "DELETE"}) {
            assertThat(RetryPolicy.idempotent(m)).as(m).isTrue();
        }
        assertThat(RetryPolicy.decide(true, false, false, true, 1)).isEqualTo(Verdict.RETRY);
        for (String m : new String[] {"POST", "PATCH", "CONNECT", "PROPFIND", "get"}) {
            assertThat(RetryPolicy.idempotent(m)).as(m).isFalse();
        }
    }

    @Test
    void noRetriesLeftIsExhaustedWhateverElse() {
        assertThat(RetryPolicy.decide(true, true, true, false, 0)).isEqualTo(Verdict.EXHAUSTED);
        assertThat(RetryPolicy.decide(false, true, false, true, 0)).as("not counted as refused for want of a key")
                .isEqualTo(Verdict.EXHAUSTED);
    }

    @Test
    void addedKeysAre128RandomBitsInHex() {
        Set<String> keys = new HashSet<>();
        for (int i = 0; i < 1000; i++) {
            String k = RetryPolicy.newKey();
            assertThat(k).matches("[0-9a-f]{32}");
            keys.add(k);
        }
        assertThat(keys).hasSize(1000);
    }
}
