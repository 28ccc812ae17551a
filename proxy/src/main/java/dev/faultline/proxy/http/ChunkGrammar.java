package dev.faultline.proxy.http;

import io.netty.buffer.ByteBuf;

/**
 * The pieces of a chunk-size line (RFC 9112 §7.1) as {@link HttpReader} checks them in what it read: hexadecimal
 * digits and chunk extensions, {@code *( BWS ";" BWS name [ BWS "=" BWS ( token / quoted-string ) ] )}.
 */
final class ChunkGrammar {
    private ChunkGrammar() {
    }

    /** The value of a hexadecimal digit, or -1. */
    static int hex(byte b) {
        if (b >= '0' && b <= '9') {
            return b - '0';
        }
        int c = b | 0x20;
        return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
    }

    /**
     * Chunk extensions from {@code i} to {@code end}: {@code end} when they are well formed; where something other
     * than {@code ;} follows a size or an extension; -1 when an extension after its {@code ;} is malformed.
     */
    static int extensions(ByteBuf b, int i, int end) {
        while (i < end) {
            int ok = i;
            i = whitespace(b, i, end);
            if (i == end || b.getByte(i) != ';') {
                return ok;
            }
            i = whitespace(b, i + 1, end);
            int name = token(b, i, end);
            if (name == i) {
                return -1;
            }
            int j = whitespace(b, name, end);
            if (j < end && b.getByte(j) == '=') {
                j = whitespace(b, j + 1, end);
                int value = j < end && b.getByte(j) == '"' ? quotedString(b, j, end) : token(b, j, end);
                if (value == j) {
                    return -1;
                }
                i = value;
            } else {
                i = name;
            }
        }
        return i;
    }

    private static int whitespace(ByteBuf b, int i, int end) {
        while (i < end && (b.getByte(i) == ' ' || b.getByte(i) == '\t')) {
            i++;
        }
        return i;
    }

    /** The end of the token at {@code i} ({@code i} when there is none). */
    private static int token(ByteBuf b, int i, int end) {
        while (i < end && HeadParser.tchar(b.getByte(i))) {
            i++;
        }
        return i;
    }

    /**
     * The end of the quoted string at {@code i} (after its closing quote), or {@code i} when it is not one:
     * {@code DQUOTE *( qdtext / "\" ( HTAB / SP / VCHAR / obs-text ) ) DQUOTE}.
     */
    private static int quotedString(ByteBuf b, int i, int end) {
        for (int j = i + 1; j < end; j++) {
            byte c = b.getByte(j);
            if (c == '"') {
                return j + 1;
            }
            if (c == '\\') {
                if (++j == end || !text(b.getByte(j))) {
                    return i;
                }
            } else if (!text(c)) {
                return i;
            }
        }
        return i;
    }

    /** HTAB, SP, visible ASCII or obs-text. */
    private static boolean text(byte c) {
        return c == '\t' || c == ' ' || c < 0 || (c > 0x20 && c != 0x7f);
    }
}
