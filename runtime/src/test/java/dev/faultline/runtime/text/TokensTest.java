package dev.faultline.runtime.text;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class TokensTest {
    @Test
    void visibleAsciiUpToTheLengthIsAToken() {
        assertThat(Tokens.visibleAscii("a1-B_~!", 7)).isTrue();
        assertThat(Tokens.visibleAscii("x".repeat(8), 7)).isFalse();
        assertThat(Tokens.visibleAscii("", 7)).isFalse();
        assertThat(Tokens.visibleAscii(null, 7)).isFalse();
        for (String bad : new String[] {"a b", "a\tb", "a\u007fb", "a\u0131", "\u212a", "a\r\nb"}) {
            assertThat(Tokens.visibleAscii(bad, 64)).as(bad).isFalse();
        }
    }
}
