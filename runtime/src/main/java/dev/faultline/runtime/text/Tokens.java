package dev.faultline.runtime.text;

/** Checks of the small opaque strings clients send in headers (request ids, idempotency keys). */
public final class Tokens {
    private Tokens() {
    }

    /** Whether {@code s} is 1 to {@code maxLength} visible ASCII characters (0x21–0x7E: no space, no control). */
    public static boolean visibleAscii(String s, int maxLength) {
        if (s == null || s.isEmpty() || s.length() > maxLength) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c <= 0x20 || c >= 0x7f) {
                return false;
            }
        }
        return true;
    }
}
