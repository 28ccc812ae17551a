package dev.faultline.proxy.http.fuzz;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A strict HTTP/1.1 request reader written for the fuzzer from RFC 9112 (and the RFC 9110 rules it refers to), as
 * regular expressions over the bytes, independent of the proxy's hand-written parser. Two modes: what a server may
 * accept from a client ({@link Mode#RECEIVED}: a bare LF may end a head line, empty lines may precede a request,
 * equal Content-Length values may repeat, a Transfer-Encoding list may have empty elements), and what a proxy may
 * send on ({@link Mode#FORWARDED}: CRLF only, HTTP/1.1, one canonical Content-Length or one
 * {@code Transfer-Encoding: chunked}, plain chunk-size lines).
 *
 * <p>In both: the request line is {@code token SP 1*VCHAR SP HTTP/1.x} (the target's characters are checked, not its
 * URI grammar: the proxy forwards it as received); field lines are {@code token ":" OWS value OWS} without control
 * characters, no obsolete folding, no bare CR anywhere; a single {@code chunked} is the only transfer coding; chunked
 * bodies follow §7.1 to the letter (hex sizes, extensions as tokens or quoted strings, CRLF, trailer field lines).
 * Not checked: limits (the proxy's are its own), and Host (presence or repetition; see the proxy's README).
 */
final class ReferenceParser {
    enum Mode { RECEIVED, FORWARDED }

    /** One request as read: its body decoded; {@code close}: no request after it is read on that connection. */
    record Request(String method, String target, boolean http10, List<String> fields, byte[] body, boolean close) {
        /** What the fuzzer compares: method, target and body. */
        String key() {
            return method + " " + target + " " + body.length + " " + Arrays.hashCode(body);
        }
    }

    /** A connection's bytes read to the end: the requests in order, then a refusal, or the bytes ran out. */
    record Reading(List<Request> requests, String refusal, boolean clean) {
        /** Every byte went into requests (or trailing empty lines), or the last request ended the connection. */
        boolean complete() {
            return refusal == null && clean;
        }
    }

    /** One request from {@code from}: the request and where the next starts; or a refusal; or neither (more bytes). */
    record Step(Request request, int next, String refusal) {
    }

    private static final String TOKEN = "[!#$%&'*+\\-.^_`|~0-9A-Za-z]+";
    private static final String QUOTED = "\"(?:[\\t \\x21\\x23-\\x5B\\x5D-\\x7E\\x80-\\xFF]|\\\\[\\t \\x21-\\x7E\\x80-\\xFF])*\"";
    private static final Pattern REQUEST_LINE = Pattern.compile("(" + TOKEN + ") ([\\x21-\\x7E]+) HTTP/([0-9])\\.([0-9])");
    private static final Pattern FIELD_LINE = Pattern.compile("(" + TOKEN + "):[ \\t]*((?:[\\t \\x21-\\x7E\\x80-\\xFF]*[\\x21-\\x7E\\x80-\\xFF])?)[ \\t]*");
    private static final Pattern CHUNK_LINE = Pattern.compile("([0-9A-Fa-f]+)((?:[ \\t]*;[ \\t]*" + TOKEN
            + "(?:[ \\t]*=[ \\t]*(?:" + TOKEN + "|" + QUOTED + "))?)*)");
    private static final Pattern PLAIN_CHUNK_LINE = Pattern.compile("[0-9A-Fa-f]+");
    private static final Pattern LENGTH = Pattern.compile("[0-9]{1,18}");
    private static final Pattern CANONICAL_LENGTH = Pattern.compile("0|[1-9][0-9]{0,17}");

    private static final class Refused extends RuntimeException {
        Refused(String why) {
            super(why, null, false, false);
        }
    }

    private static final class Incomplete extends RuntimeException {
        Incomplete() {
            super(null, null, false, false);
        }
    }

    private static final Incomplete MORE = new Incomplete();

    private final byte[] b;
    private final int to;
    private final Mode mode;
    private int i;

    private ReferenceParser(byte[] b, int from, int to, Mode mode) {
        this.b = b;
        this.i = from;
        this.to = to;
        this.mode = mode;
    }

    static Reading read(byte[] bytes, Mode mode) {
        List<Request> got = new ArrayList<>();
        int at = 0;
        while (true) {
            if (mode == Mode.RECEIVED ? onlyEmptyLines(bytes, at) : at == bytes.length) {
                return new Reading(got, null, true);
            }
            Step s = step(bytes, at, bytes.length, mode);
            if (s.refusal() != null || s.request() == null) {
                return new Reading(got, s.refusal(), false);
            }
            got.add(s.request());
            if (s.request().close()) {
                return new Reading(got, null, true);
            }
            at = s.next();
        }
    }

    static Step step(byte[] bytes, int from, int to, Mode mode) {
        ReferenceParser p = new ReferenceParser(bytes, from, to, mode);
        try {
            Request r = p.request();
            return new Step(r, p.i, null);
        } catch (Refused e) {
            return new Step(null, -1, e.getMessage());
        } catch (Incomplete e) {
            return new Step(null, -1, null);
        }
    }

    private static boolean onlyEmptyLines(byte[] bytes, int at) {
        for (int k = at; k < bytes.length; k++) {
            boolean lf = bytes[k] == '\n' || bytes[k] == '\r' && k + 1 < bytes.length && bytes[k + 1] == '\n';
            if (!lf) {
                return false;
            }
            k += bytes[k] == '\r' ? 1 : 0;
        }
        return true;
    }

    private Request request() {
        if (mode == Mode.RECEIVED) {
            while (i < to && (b[i] == '\n' || b[i] == '\r' && i + 1 < to && b[i + 1] == '\n')) {
                i += b[i] == '\r' ? 2 : 1;
            }
        }
        Matcher start = REQUEST_LINE.matcher(line(mode == Mode.RECEIVED));
        if (!start.matches()) {
            throw new Refused("request line");
        }
        if (!start.group(3).equals("1") || mode == Mode.FORWARDED && !start.group(4).equals("1")) {
            throw new Refused("version");
        }
        boolean http10 = start.group(4).equals("0");
        List<String> fields = new ArrayList<>();
        List<String> codings = new ArrayList<>();
        List<String> lengths = new ArrayList<>();
        boolean close = false;
        boolean keepAlive = false;
        for (String l = line(mode == Mode.RECEIVED); !l.isEmpty(); l = line(mode == Mode.RECEIVED)) {
            Matcher f = FIELD_LINE.matcher(l);
            if (!f.matches()) {
                throw new Refused("field line");
            }
            fields.add(l);
            String name = f.group(1).toLowerCase(Locale.ROOT);
            String value = f.group(2);
            switch (name) {
                case "transfer-encoding" -> codings.add(value);
                case "content-length" -> lengths.add(value);
                case "connection" -> {
                    for (String t : value.split(",")) {
                        close |= t.strip().equalsIgnoreCase("close");
                        keepAlive |= t.strip().equalsIgnoreCase("keep-alive");
                    }
                }
                default -> { }
            }
        }
        close |= http10 && !keepAlive;
        byte[] body;
        if (!codings.isEmpty()) {
            if (http10 || !lengths.isEmpty()) {
                throw new Refused("Transfer-Encoding with " + (http10 ? "HTTP/1.0" : "Content-Length"));
            }
            List<String> elements = new ArrayList<>();
            for (String c : String.join(",", codings).split(",")) {
                if (!c.strip().isEmpty()) {
                    elements.add(c.strip());
                }
            }
            boolean one = elements.size() == 1 && elements.get(0).equalsIgnoreCase("chunked");
            if (!one || mode == Mode.FORWARDED && !codings.equals(List.of("chunked"))) {
                throw new Refused("transfer coding");
            }
            body = chunked();
        } else if (!lengths.isEmpty()) {
            body = fixed(length(lengths));
        } else {
            body = new byte[0];
        }
        return new Request(start.group(1), start.group(2), http10, fields, body, close);
    }

    private long length(List<String> values) {
        if (mode == Mode.FORWARDED) {
            if (values.size() != 1 || !CANONICAL_LENGTH.matcher(values.get(0)).matches()) {
                throw new Refused("Content-Length not canonical");
            }
            return Long.parseLong(values.get(0));
        }
        long n = -1;
        for (String v : values) {
            for (String e : v.split(",", -1)) {
                String d = e.strip();
                if (!LENGTH.matcher(d).matches() || n >= 0 && Long.parseLong(d) != n) {
                    throw new Refused("Content-Length");
                }
                n = Long.parseLong(d);
            }
        }
        return n;
    }

    private byte[] fixed(long n) {
        if (to - i < n) {
            throw MORE;
        }
        byte[] body = Arrays.copyOfRange(b, i, i + (int) n);
        i += (int) n;
        return body;
    }

    private byte[] chunked() {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        while (true) {
            String l = line(false);
            Matcher m = (mode == Mode.RECEIVED ? CHUNK_LINE : PLAIN_CHUNK_LINE).matcher(l);
            if (!m.matches()) {
                throw new Refused("chunk-size line");
            }
            String hex = mode == Mode.RECEIVED ? m.group(1) : l;
            if (hex.length() > 15) {
                throw new Refused("chunk size too large"); // a body over 2^60 bytes
            }
            long size = Long.parseLong(hex, 16);
            if (size == 0) {
                for (String t = line(false); !t.isEmpty(); t = line(false)) {
                    if (!FIELD_LINE.matcher(t).matches()) {
                        throw new Refused("trailer line");
                    }
                }
                return body.toByteArray();
            }
            body.writeBytes(fixed(size));
            if (i < to && b[i] != '\r' || i + 1 < to && b[i + 1] != '\n') {
                throw new Refused("no CRLF after chunk data");
            }
            if (i + 2 > to) {
                throw MORE;
            }
            i += 2;
        }
    }

    /** The next line without its line end; CRLF, or a bare LF where {@code bareLf}; a bare CR is refused. */
    private String line(boolean bareLf) {
        int lf = i;
        while (lf < to && b[lf] != '\n') {
            lf++;
        }
        if (lf == to) {
            throw MORE;
        }
        int end = lf > i && b[lf - 1] == '\r' ? lf - 1 : lf;
        if (end == lf && !bareLf) {
            throw new Refused("line without CRLF");
        }
        for (int k = i; k < end; k++) {
            if (b[k] == '\r') {
                throw new Refused("bare CR");
            }
        }
        String s = new String(b, i, end - i, StandardCharsets.ISO_8859_1);
        i = lf + 1;
        return s;
    }
}
