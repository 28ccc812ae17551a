package dev.faultline.proxy.http.fuzz;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An upstream on a free loopback port that reads what the proxy forwards with the {@link ReferenceParser} in
 * {@link ReferenceParser.Mode#FORWARDED} mode, answers each complete request {@code 200 ok}, and records the
 * requests, what it refused (the proxy sent something no strict server should get), and connections that ended in
 * the middle of a request (a streamed request the proxy cut short).
 */
final class RecordingUpstream implements AutoCloseable {
    private static final byte[] OK = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok".getBytes(StandardCharsets.US_ASCII);
    /** What arrived whole: the request's {@link ReferenceParser.Request#key()} and a short description. */
    record Forwarded(String key, String target, String description) {
    }

    final ConcurrentLinkedQueue<Forwarded> received = new ConcurrentLinkedQueue<>();
    final ConcurrentLinkedQueue<String> refused = new ConcurrentLinkedQueue<>();
    final AtomicInteger cutShort = new AtomicInteger();
    private final ServerSocket server;
    private final ExecutorService threads = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "recording-upstream");
        t.setDaemon(true);
        return t;
    });
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();

    RecordingUpstream() throws IOException {
        server = new ServerSocket(0, 512, InetAddress.getLoopbackAddress());
        threads.execute(this::accept);
    }

    int port() {
        return server.getLocalPort();
    }

    private void accept() {
        while (!server.isClosed()) {
            try {
                Socket s = server.accept();
                open.add(s);
                threads.execute(() -> serve(s));
            } catch (IOException e) {
                return; // closed
            }
        }
    }

    private void serve(Socket s) {
        byte[] buf = new byte[64 * 1024];
        ByteArrayOutputStream pending = new ByteArrayOutputStream();
        try (s; InputStream in = s.getInputStream(); OutputStream out = s.getOutputStream()) {
            for (int n = in.read(buf); n >= 0; n = in.read(buf)) {
                pending.write(buf, 0, n);
                byte[] bytes = pending.toByteArray();
                int at = 0;
                while (at < bytes.length) {
                    ReferenceParser.Step step = ReferenceParser.step(bytes, at, bytes.length, ReferenceParser.Mode.FORWARDED);
                    if (step.refusal() != null) {
                        refused.add(step.refusal() + ": " + Escape.bytes(Arrays.copyOfRange(bytes, at, bytes.length), 3000));
                        return;
                    }
                    if (step.request() == null) {
                        break;
                    }
                    ReferenceParser.Request q = step.request();
                    received.add(new Forwarded(q.key(), q.target(), q.method() + " " + q.target() + " with a body of "
                            + q.body().length + " bytes: " + Escape.bytes(q.body(), 200)));
                    out.write(OK);
                    at = step.next();
                }
                pending.reset();
                pending.write(bytes, at, bytes.length - at);
            }
            if (pending.size() > 0) {
                cutShort.incrementAndGet();
            }
        } catch (IOException e) {
            if (pending.size() > 0) {
                cutShort.incrementAndGet();
            }
        } finally {
            open.remove(s);
        }
    }

    @Override
    public void close() throws Exception {
        server.close();
        for (Socket s : open) {
            s.close();
        }
        threads.shutdown();
        threads.awaitTermination(5, TimeUnit.SECONDS);
    }
}
