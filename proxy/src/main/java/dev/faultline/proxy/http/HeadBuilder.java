package dev.faultline.proxy.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.util.concurrent.FastThreadLocal;

/**
 * A message head being written: bytes gathered in an array of the event loop's own (reused, so no allocation and no
 * per-field buffer bookkeeping), then copied once into the buffer that is sent, optionally followed by the start of
 * the body, so that a small answer leaves in one buffer and one system call.
 */
final class HeadBuilder {
    private static final int INITIAL = 4096;
    private static final FastThreadLocal<HeadBuilder> LOCAL = new FastThreadLocal<>() {
        @Override
        protected HeadBuilder initialValue() {
            return new HeadBuilder();
        }
    };
    private static final byte[] HEX = "0123456789abcdef".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    private byte[] a = new byte[INITIAL];
    private int n;

    /** The builder of the calling thread (an event loop), emptied. Use it before anything else can. */
    static HeadBuilder get() {
        HeadBuilder b = LOCAL.get();
        b.n = 0;
        if (b.a.length > 64 * 1024) {
            b.a = new byte[INITIAL]; // a huge head once does not keep its array forever
        }
        return b;
    }

    private void room(int more) {
        if (n + more > a.length) {
            a = java.util.Arrays.copyOf(a, Math.max(a.length * 2, n + more));
        }
    }

    HeadBuilder bytes(byte[] src) {
        return bytes(src, 0, src.length);
    }

    HeadBuilder bytes(byte[] src, int off, int len) {
        room(len);
        System.arraycopy(src, off, a, n, len);
        n += len;
        return this;
    }

    /** {@code len} bytes already written, from {@code from}, written again. */
    HeadBuilder copy(int from, int len) {
        room(len);
        System.arraycopy(a, from, a, n, len);
        n += len;
        return this;
    }

    /** Characters of {@code s} as ISO-8859-1 bytes (values the proxy made or read as such). */
    HeadBuilder ascii(CharSequence s) {
        if (s instanceof String str) {
            return ascii(str);
        }
        int len = s.length();
        room(len);
        byte[] b = a;
        int at = n;
        for (int i = 0; i < len; i++) {
            b[at + i] = (byte) s.charAt(i);
        }
        n += len;
        return this;
    }

    /**
     * The low byte of each character: exactly ISO-8859-1 for the values written here (read as ISO-8859-1, or
     * made of ASCII), and for a compact string a plain array copy, which is what the deprecated method is for.
     */
    @SuppressWarnings("deprecation")
    HeadBuilder ascii(String s) {
        int len = s.length();
        room(len);
        s.getBytes(0, len, a, n);
        n += len;
        return this;
    }

    HeadBuilder crlf() {
        room(2);
        a[n++] = '\r';
        a[n++] = '\n';
        return this;
    }

    HeadBuilder ch(char c) {
        room(1);
        a[n++] = (byte) c;
        return this;
    }

    /** A three-digit status code. */
    HeadBuilder status(int code) {
        room(3);
        a[n++] = (byte) ('0' + code / 100);
        a[n++] = (byte) ('0' + code / 10 % 10);
        a[n++] = (byte) ('0' + code % 10);
        return this;
    }

    /** {@code name: value CRLF}; {@code name} given as bytes with the ": " already appended. */
    HeadBuilder field(byte[] nameColonSpace, CharSequence value) {
        return bytes(nameColonSpace).ascii(value).crlf();
    }

    HeadBuilder field(CharSequence name, CharSequence value) {
        return ascii(name).ch(':').ch(' ').ascii(value).crlf();
    }

    /** A lowercase hexadecimal number (a chunk size). */
    HeadBuilder hex(int value) {
        int digits = Math.max(1, (39 - Integer.numberOfLeadingZeros(value)) / 4);
        room(digits);
        for (int i = digits - 1; i >= 0; i--) {
            a[n + i] = HEX[value & 15];
            value >>>= 4;
        }
        n += digits;
        return this;
    }

    int length() {
        return n;
    }

    /** A new buffer with what was written, and room for {@code extra} more bytes. */
    ByteBuf toBuffer(ByteBufAllocator alloc, int extra) {
        ByteBuf out = alloc.directBuffer(n + extra);
        out.writeBytes(a, 0, n);
        return out;
    }
}
