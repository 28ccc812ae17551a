package dev.faultline.proxy.http.fuzz;

/** Bytes as Java string text: printable ASCII as it is, \r \n \t, others as \xNN; long ones cut in the middle. */
final class Escape {
    private Escape() {
    }

    static String bytes(byte[] b, int max) {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < b.length; i++) {
            if (b.length > max && i == max / 2) {
                s.append("…(").append(b.length - max).append(" bytes)…");
                i = b.length - max / 2;
            }
            int c = b[i] & 0xff;
            switch (c) {
                case '\r' -> s.append("\\r");
                case '\n' -> s.append("\\n");
                case '\t' -> s.append("\\t");
                case '\\' -> s.append("\\\\");
                case '"' -> s.append("\\\"");
                default -> s.append(c >= 0x20 && c < 0x7f ? Character.toString(c) : String.format("\\x%02x", c));
            }
        }
        return s.toString();
    }
}
