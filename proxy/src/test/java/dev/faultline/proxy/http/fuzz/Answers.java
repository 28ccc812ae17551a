package dev.faultline.proxy.http.fuzz;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/** Reads the proxy's answers on a fuzz connection, only as far as their status and framing. */
final class Answers {
    private Answers() {
    }

    /** Reads one answer; its status, or -1 at the end of the stream. */
    static int read(InputStream in, boolean toHead) throws IOException {
        String status = line(in);
        if (status == null) {
            return -1;
        }
        long length = -1;
        boolean chunked = false;
        for (String l = line(in); l != null && !l.isEmpty(); l = line(in)) {
            String lower = l.toLowerCase(Locale.ROOT);
            if (lower.startsWith("content-length:")) {
                length = Long.parseLong(lower.substring(15).strip());
            } else if (lower.startsWith("transfer-encoding:")) {
                chunked = lower.contains("chunked");
            }
        }
        int code = Integer.parseInt(status.split(" ")[1]);
        if (toHead || code < 200 || code == 204 || code == 304) {
            return code;
        }
        if (chunked) {
            for (long n = size(line(in)); n > 0; n = size(line(in))) {
                in.readNBytes((int) n + 2);
            }
            for (String t = line(in); t != null && !t.isEmpty(); t = line(in)) {
                // trailers
            }
        } else if (length >= 0) {
            in.readNBytes((int) length);
        } else {
            in.readAllBytes();
        }
        return code;
    }

    private static long size(String line) {
        return line == null ? 0 : Long.parseLong(line.split(";")[0].strip(), 16);
    }

    private static String line(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int c;
        while ((c = in.read()) >= 0 && c != '\n') {
            b.write(c);
        }
        if (c < 0 && b.size() == 0) {
            return null;
        }
        String s = b.toString(StandardCharsets.ISO_8859_1);
        return s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
    }
}
