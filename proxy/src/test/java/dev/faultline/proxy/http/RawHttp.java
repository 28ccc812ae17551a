package dev.faultline.proxy.http;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** HTTP/1.x at the level of bytes, for what the JDK client cannot send or would hide (public for the fuzz tests). */
public final class RawHttp {
    /** One answer as read: status line, fields (names in lower case; the last value of a repeated field), body. */
    public record Answer(String statusLine, Map<String, String> fields, String body) {
        public int status() {
            return Integer.parseInt(statusLine.split(" ")[1]);
        }
    }

    private RawHttp() {
    }

    /** Sends {@code request} on a new connection and reads {@code answers} answers (close-delimited last allowed). */
    static List<Answer> exchange(int port, String request, int answers) throws IOException {
        return exchange(port, request, answers, false);
    }

    /** As {@link #exchange(int, String, int)}; {@code toHead}: the requests were HEAD (answers have no body). */
    static List<Answer> exchange(int port, String request, int answers, boolean toHead) throws IOException {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(5000);
            s.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
            s.getOutputStream().flush();
            InputStream in = s.getInputStream();
            List<Answer> got = new ArrayList<>();
            while (got.size() < answers) {
                Answer a = read(in, toHead);
                if (a == null) {
                    break;
                }
                got.add(a);
            }
            return got;
        }
    }

    /** Reads one answer, or null at the end of the stream; interim (1xx) answers are returned like others. */
    public static Answer read(InputStream in, boolean toHead) throws IOException {
        String status = line(in);
        if (status == null) {
            return null;
        }
        Map<String, String> fields = new LinkedHashMap<>();
        for (String l = line(in); l != null && !l.isEmpty(); l = line(in)) {
            int colon = l.indexOf(':');
            fields.put(l.substring(0, colon).strip().toLowerCase(Locale.ROOT), l.substring(colon + 1).strip());
        }
        int code = Integer.parseInt(status.split(" ")[1]);
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        if (toHead || code < 200 || code == 204 || code == 304) {
            return new Answer(status, fields, "");
        }
        if ("chunked".equalsIgnoreCase(fields.get("transfer-encoding"))) {
            for (int size = Integer.parseInt(line(in).split(";")[0].strip(), 16); size > 0;
                    size = Integer.parseInt(line(in).split(";")[0].strip(), 16)) {
                body.write(in.readNBytes(size));
                line(in);
            }
            while (!line(in).isEmpty()) {
                // trailers
            }
        } else if (fields.containsKey("content-length")) {
            body.write(in.readNBytes(Integer.parseInt(fields.get("content-length"))));
        } else {
            body.write(in.readAllBytes());
        }
        return new Answer(status, fields, body.toString(StandardCharsets.ISO_8859_1));
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

    /**
     * An upstream that answers every connection's first request with {@code answer} as raw bytes and then closes
     * (for answers a real server library would not make, e.g. close-delimited).
     */
    static final class Upstream implements AutoCloseable {
        final ServerSocket socket;
        private final Thread thread;

        Upstream(String answer) throws IOException {
            socket = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress());
            thread = new Thread(() -> {
                while (!socket.isClosed()) {
                    try (Socket c = socket.accept()) {
                        c.setSoTimeout(5000);
                        InputStream in = c.getInputStream();
                        for (String l = line(in); l != null && !l.isEmpty(); l = line(in)) {
                            // the request head; GETs only
                        }
                        c.getOutputStream().write(answer.getBytes(StandardCharsets.ISO_8859_1));
                        c.getOutputStream().flush();
                    } catch (IOException e) {
                        // closed, or a client that left
                    }
                }
            }, "raw-upstream");
            thread.setDaemon(true);
            thread.start();
        }

        int port() {
            return socket.getLocalPort();
        }

        @Override
        public void close() throws Exception {
            socket.close();
            thread.join(5000);
        }
    }
}
