package dev.faultline.chaos.compat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/** Small real TCP upstreams for measuring toxics: an echo server, and a server that sends N bytes then closes. */
final class Sockets {
    private Sockets() {
    }

    /** A loopback TCP server on a free port that runs {@code behaviour} for each connection. */
    static final class Upstream implements AutoCloseable {
        private final ServerSocket server;
        private final ExecutorService pool = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "test-upstream");
            t.setDaemon(true);
            return t;
        });

        interface Behaviour {
            void serve(Socket s) throws IOException;
        }

        Upstream(Behaviour behaviour) throws IOException {
            server = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress());
            pool.execute(() -> {
                while (!server.isClosed()) {
                    try {
                        Socket s = server.accept();
                        pool.execute(() -> {
                            try (s) {
                                behaviour.serve(s);
                            } catch (IOException e) {
                                // the client went away
                            }
                        });
                    } catch (IOException e) {
                        return;
                    }
                }
            });
        }

        String address() {
            return "127.0.0.1:" + server.getLocalPort();
        }

        @Override
        public void close() throws IOException {
            server.close();
            pool.shutdownNow();
        }
    }

    static Upstream echo() throws IOException {
        return new Upstream(s -> {
            s.setTcpNoDelay(true);
            InputStream in = s.getInputStream();
            OutputStream out = s.getOutputStream();
            byte[] buf = new byte[16384];
            int n;
            while ((n = in.read(buf)) > 0) {
                out.write(buf, 0, n);
                out.flush();
            }
        });
    }

    /** Sends {@code bytes} bytes in one write as soon as a client connects, then closes. */
    static Upstream blaster(int bytes) throws IOException {
        return new Upstream(s -> {
            s.setTcpNoDelay(true);
            byte[] data = new byte[bytes];
            for (int i = 0; i < bytes; i++) {
                data[i] = (byte) ('a' + i % 26);
            }
            s.getOutputStream().write(data);
            s.getOutputStream().flush();
        });
    }

    /**
     * Sends {@code greeting} as soon as a client connects (as SMTP or Redis-sentinel servers do), then reads until
     * the connection ends; each connection's count of bytes received goes to {@link Greeter#received()}.
     */
    static Greeter greeter(String greeting) throws IOException {
        return new Greeter(greeting);
    }

    static final class Greeter implements AutoCloseable {
        private final java.util.concurrent.BlockingQueue<Long> received = new java.util.concurrent.LinkedBlockingQueue<>();
        private final Upstream upstream;

        private Greeter(String greeting) throws IOException {
            upstream = new Upstream(s -> {
                s.setTcpNoDelay(true);
                s.getOutputStream().write(greeting.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
                s.getOutputStream().flush();
                long total = 0;
                try {
                    byte[] buf = new byte[4096];
                    int n;
                    while ((n = s.getInputStream().read(buf)) > 0) {
                        total += n;
                    }
                } finally {
                    received.add(total);
                }
            });
        }

        String address() {
            return upstream.address();
        }

        /** Bytes the next finished connection received; fails when none finishes within 10 s. */
        long received() throws InterruptedException {
            Long n = received.poll(10, java.util.concurrent.TimeUnit.SECONDS);
            if (n == null) {
                throw new AssertionError("the upstream connection did not end within 10 s");
            }
            return n;
        }

        @Override
        public void close() throws IOException {
            upstream.close();
        }
    }

    static Socket connect(String listen) throws IOException {
        int port = Integer.parseInt(listen.substring(listen.lastIndexOf(':') + 1));
        Socket s = new Socket("127.0.0.1", port);
        s.setTcpNoDelay(true);
        s.setSoTimeout(10_000);
        return s;
    }

    /** Reads until EOF; returns everything read. */
    static byte[] readAll(Socket s) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        s.getInputStream().transferTo(out);
        return out.toByteArray();
    }

    /** Reads exactly {@code n} bytes (fails on EOF before them). */
    static byte[] readN(Socket s, int n) throws IOException {
        return s.getInputStream().readNBytes(n);
    }

    /** One echo round trip of {@code n} bytes, in milliseconds. */
    static double roundTripMs(Socket s, int n) throws IOException {
        byte[] data = new byte[n];
        long t0 = System.nanoTime();
        s.getOutputStream().write(data);
        s.getOutputStream().flush();
        int got = 0;
        byte[] buf = new byte[n];
        while (got < n) {
            int r = s.getInputStream().read(buf, got, n - got);
            if (r < 0) {
                throw new IOException("closed after " + got + " bytes");
            }
            got += r;
        }
        return (System.nanoTime() - t0) / 1e6;
    }
}
