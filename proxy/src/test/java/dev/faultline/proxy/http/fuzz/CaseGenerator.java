package dev.faultline.proxy.http.fuzz;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Fuzz cases from a seed: each case is what one client connection sends, made from 1–3 valid requests (Content-Length,
 * chunked with extensions and trailers, no body; HTTP/1.1 and 1.0; pipelined) and then mutated: bit flips, CR/LF/NUL
 * insertion, deletions, truncation, duplicated and conflicting framing fields, transfer-coding variants, bad chunk
 * sizes, hidden requests (in a body, in trailers, behind a second Transfer-Encoding), obsolete folding, a space
 * before the colon, bare CR and bare LF. Case {@code i} of seed {@code s} is always the same bytes.
 */
final class CaseGenerator {
    record Case(int index, byte[] bytes, List<String> mutations) {
    }

    private static final String[] METHODS = {"GET", "GET", "POST", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "BREW"};
    private static final String[] CODINGS = {"gzip, chunked", "identity, chunked", "chunked, chunked", "chunked, gzip",
        " chunked", "Chunked", "CHUNKED", "chunked;a=1", "\"chunked\"", "xchunked", "chunked,", ", chunked", "chunked\t",
        "chunked\r\nTransfer-Encoding: chunked", "x\r\nTransfer-Encoding: chunked", "chunked\r\nTransfer-Encoding: x", ""};
    private static final String[] BYTES = {"\r", "\n", "\0", "\r\n", " ", "\t", ",", "0", ";", ":", "\u00ff", "\u007f"};
    private static final Pattern LENGTH = Pattern.compile("Content-Length: (\\d+)\r?\n");
    private static final Pattern CODING = Pattern.compile("Transfer-Encoding: chunked\r?\n");
    private static final Pattern CHUNK = Pattern.compile("\r\n([0-9a-fA-F]+)(;[^\r\n]*)?\r\n");
    private static final Pattern FRAMING_NAME = Pattern.compile("(Content-Length|Transfer-Encoding):");
    private static final Pattern HEAD_END = Pattern.compile("\r?\n\r?\n");
    private final long seed;

    CaseGenerator(long seed) {
        this.seed = seed;
    }

    Case generate(int index) {
        Random r = new Random(seed * 0x9E3779B97F4A7C15L + index);
        StringBuilder s = new StringBuilder();
        int n = 1 + r.nextInt(3);
        for (int k = 0; k < n; k++) {
            request(r, index, k, k == n - 1, s);
        }
        String text = s.toString();
        List<String> applied = new ArrayList<>();
        int mutations = r.nextInt(10) < 2 ? 0 : 1 + (r.nextInt(10) < 7 ? 0 : r.nextInt(3));
        for (int m = 0; m < mutations && !text.isEmpty(); m++) {
            text = mutate(r, text, index, applied);
        }
        return new Case(index, text.getBytes(StandardCharsets.ISO_8859_1), applied);
    }

    private static void request(Random r, int id, int k, boolean last, StringBuilder s) {
        String method = METHODS[r.nextInt(METHODS.length)];
        boolean http10 = r.nextInt(12) == 0;
        String eol = r.nextInt(15) == 0 ? "\n" : "\r\n";
        if (r.nextInt(25) == 0) {
            s.append("\r\n");
        }
        String target = (r.nextInt(10) == 0 ? "http://fuzz" : "") + "/f/" + id + "/" + k
                + (r.nextBoolean() ? "?q=" + Integer.toString(r.nextInt(1 << 20), 36) : "");
        s.append(method).append(' ').append(target).append(http10 ? " HTTP/1.0" : " HTTP/1.1").append(eol);
        if (!http10 || r.nextBoolean()) {
            s.append("Host: fuzz").append(eol);
        }
        for (int f = r.nextInt(4); f > 0; f--) {
            s.append("X-F").append(f).append(":").append(r.nextBoolean() ? " " : "").append(value(r)).append(eol);
        }
        if (r.nextInt(last ? 8 : 16) == 0) {
            s.append("Connection: close").append(eol);
        } else if (http10 && r.nextBoolean()) {
            s.append("Connection: keep-alive").append(eol);
        }
        int kind = method.equals("GET") && r.nextInt(4) > 0 ? 0 : r.nextInt(3);
        String body = body(r);
        if (kind == 1 || kind == 2 && http10) {
            s.append("Content-Length: ").append(body.length()).append(eol).append(eol).append(body);
        } else if (kind == 2) {
            s.append("Transfer-Encoding: chunked").append(eol).append(eol);
            chunks(r, body, s);
        } else {
            s.append(eol);
        }
    }

    private static String value(Random r) {
        StringBuilder v = new StringBuilder();
        for (int i = 1 + r.nextInt(20); i > 0; i--) {
            int c = r.nextInt(20) == 0 ? 0x80 + r.nextInt(128) : 0x21 + r.nextInt(94);
            v.append((char) c);
            if (r.nextInt(8) == 0) {
                v.append(' ');
            }
        }
        return v.toString().strip();
    }

    private static String body(Random r) {
        int size = switch (r.nextInt(10)) {
            case 0 -> 0;
            case 1 -> 4096 + r.nextInt(16384); // over the fuzz proxy's replay buffer, sometimes over its body limit
            default -> 1 + r.nextInt(300);
        };
        char[] c = new char[size];
        for (int i = 0; i < size; i++) {
            c[i] = (char) (r.nextInt(4) == 0 ? r.nextInt(256) : 'a' + r.nextInt(26));
        }
        return new String(c);
    }

    private static void chunks(Random r, String body, StringBuilder s) {
        int at = 0;
        while (at < body.length()) {
            int n = Math.min(body.length() - at, 1 + r.nextInt(Math.max(1, body.length())));
            String hex = Integer.toHexString(n);
            s.append(r.nextBoolean() ? hex : hex.toUpperCase()).append(extension(r)).append("\r\n")
                    .append(body, at, at + n).append("\r\n");
            at += n;
        }
        s.append("0").append(extension(r)).append("\r\n");
        if (r.nextInt(4) == 0) {
            s.append("X-Trailer: ").append(value(r)).append("\r\n");
        }
        s.append("\r\n");
    }

    private static String extension(Random r) {
        return switch (r.nextInt(8)) {
            case 0 -> ";a=b";
            case 1 -> ";x";
            case 2 -> " ; y = \"q \\\" s\"";
            default -> "";
        };
    }

    private String mutate(Random r, String s, int id, List<String> applied) {
        int pos = r.nextInt(s.length());
        int op = r.nextInt(16);
        applied.add(op + "@" + pos);
        return switch (op) {
            case 0 -> s.substring(0, pos) + (char) (s.charAt(pos) ^ (1 << r.nextInt(8))) + s.substring(pos + 1);
            case 1, 2 -> s.substring(0, pos) + BYTES[r.nextInt(BYTES.length)] + s.substring(pos);
            case 3 -> s.substring(0, pos) + s.substring(Math.min(s.length(), pos + 1 + r.nextInt(3)));
            case 4 -> s.substring(0, Math.max(1, pos));
            case 5 -> replaceOne(r, s, LENGTH, m -> m.group() + "Content-Length: " + lengthVariant(r, m.group(1)) + "\r\n");
            case 6 -> replaceOne(r, s, LENGTH, m -> m.group() + "Transfer-Encoding: chunked\r\n");
            case 7 -> replaceOne(r, s, CODING, m -> m.group() + "Content-Length: " + r.nextInt(40) + "\r\n");
            case 8 -> replaceOne(r, s, CODING, m -> "Transfer-Encoding: " + CODINGS[r.nextInt(CODINGS.length)] + "\r\n");
            case 9 -> replaceOne(r, s, CHUNK, m -> "\r\n" + sizeVariant(r, m.group(1)) + "\r\n");
            case 10 -> hidden(r, s, id);
            case 11 -> replaceOne(r, s, HEAD_END, m -> "\r\n " + value(r) + m.group()); // obsolete folding
            case 12 -> replaceOne(r, s, FRAMING_NAME, m -> m.group(1) + (r.nextBoolean() ? " :" : "\t:"));
            case 13 -> (r.nextBoolean() ? "\r" : "\r\r\n") + s;
            case 14 -> replaceAt(s, pos, "\r\n", r.nextBoolean() ? "\n" : "\r");
            default -> replaceOne(r, s, FRAMING_NAME, m -> m.group(1).replace('-', '_') + ":");
        };
    }

    private static String lengthVariant(Random r, String v) {
        long n = v.length() > 15 ? 0 : Long.parseLong(v); // an earlier mutation may have made it any length
        return switch (r.nextInt(8)) {
            case 0 -> v;
            case 1 -> "0" + v;
            case 2 -> Long.toString(n + 1);
            case 3 -> v + ", " + v;
            case 4 -> v + "," + (n + 1);
            case 5 -> "+" + v;
            case 6 -> "";
            default -> v + ",";
        };
    }

    private static String sizeVariant(Random r, String hex) {
        long n = hex.length() > 15 ? 0 : Long.parseLong(hex, 16);
        return switch (r.nextInt(13)) {
            case 0 -> "0x" + hex;
            case 1 -> hex + "x";
            case 2 -> "+" + hex;
            case 3 -> " " + hex;
            case 4 -> hex + " ";
            case 5 -> hex + ";";
            case 6 -> hex + ";a=";
            case 7 -> "0000" + hex;
            case 8 -> "-" + hex;
            case 9 -> "fffffffffffffffff";
            case 10 -> Long.toHexString(n + 1);
            case 11 -> Long.toHexString(Math.max(0, n - 1));
            default -> "100000"; // a megabyte: over the fuzz proxy's body limit
        };
    }

    /** A request hidden where a lenient reader would find it: in a body, in trailers, behind TE.TE or CL.TE. */
    private static String hidden(Random r, String s, int id) {
        String req = "GET /smuggled/" + id + " HTTP/1.1\r\nHost: fuzz\r\n\r\n";
        return switch (r.nextInt(4)) {
            case 0 -> replaceOne(r, s, Pattern.compile("\r\n0\r\n\r\n"), m -> "\r\n0\r\n" + req);
            case 1 -> "POST /f/" + id + "/te HTTP/1.1\r\nHost: fuzz\r\nTransfer-Encoding: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                    + "0\r\n\r\n" + req;
            case 2 -> "POST /f/" + id + "/cl HTTP/1.1\r\nHost: fuzz\r\nContent-Length: " + (5 + req.length())
                    + "\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n" + req;
            default -> "POST /f/" + id + "/te HTTP/1.1\r\nHost: fuzz\r\nTransfer-Encoding: gzip, chunked\r\n\r\n"
                    + "0\r\n\r\n" + req + s;
        };
    }

    private static String replaceOne(Random r, String s, Pattern p, java.util.function.Function<Matcher, String> with) {
        Matcher m = p.matcher(s);
        List<int[]> spans = new ArrayList<>();
        List<String> replacements = new ArrayList<>();
        while (m.find()) {
            spans.add(new int[] {m.start(), m.end()});
            replacements.add(with.apply(m));
        }
        if (spans.isEmpty()) {
            return s;
        }
        int k = r.nextInt(spans.size());
        return s.substring(0, spans.get(k)[0]) + replacements.get(k) + s.substring(spans.get(k)[1]);
    }

    private static String replaceAt(String s, int from, String what, String with) {
        int at = s.indexOf(what, from);
        at = at < 0 ? s.indexOf(what) : at;
        return at < 0 ? s : s.substring(0, at) + with + s.substring(at + what.length());
    }
}
