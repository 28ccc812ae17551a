package dev.faultline.proxy.http;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Many connections that send a request head one byte at a time (a slowloris), all on one thread with a selector:
 * each records what it was answered and when the proxy closed it, counted from its first byte.
 */
final class SlowClients implements AutoCloseable {
    /** One connection: what it read, and nanoseconds from its first byte to the close (-1: still open). */
    record Outcome(String answer, long closedAfterNanos) {
        Duration closedAfter() {
            return Duration.ofNanos(closedAfterNanos);
        }
    }

    private static final class Conn {
        final SocketChannel channel;
        final ByteArrayOutputStream read = new ByteArrayOutputStream();
        long firstByte;
        long closedAfter = -1;
        int sent;

        Conn(SocketChannel channel) {
            this.channel = channel;
        }
    }

    private final List<Conn> conns = new ArrayList<>();
    private final Selector selector;
    private final byte[] head;
    private final long intervalNanos;
    private final long deadline;
    private final Thread thread;
    final CompletableFuture<List<Outcome>> outcomes = new CompletableFuture<>();

    /** Opens {@code count} connections and sends a byte of {@code head} on each every {@code interval}. */
    SlowClients(int port, int count, String head, Duration interval, Duration giveUpAfter) throws IOException {
        this.head = head.getBytes(StandardCharsets.ISO_8859_1);
        this.intervalNanos = interval.toNanos();
        this.selector = Selector.open();
        for (int i = 0; i < count; i++) {
            SocketChannel ch = SocketChannel.open(new InetSocketAddress("127.0.0.1", port));
            ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
            ch.configureBlocking(false);
            Conn c = new Conn(ch);
            ch.register(selector, SelectionKey.OP_READ, c);
            conns.add(c);
        }
        this.deadline = System.nanoTime() + giveUpAfter.toNanos();
        this.thread = new Thread(this::run, "slow-clients");
        thread.setDaemon(true);
        thread.start();
    }

    boolean done() {
        return outcomes.isDone();
    }

    private void run() {
        try {
            ByteBuffer buf = ByteBuffer.allocate(4096);
            long nextSend = System.nanoTime();
            int open = conns.size();
            while (open > 0 && System.nanoTime() < deadline) {
                long now = System.nanoTime();
                if (now >= nextSend) {
                    for (Conn c : conns) {
                        if (c.closedAfter < 0 && c.read.size() == 0 && c.sent < head.length) {
                            send(c, now);
                        }
                    }
                    nextSend = now + intervalNanos;
                }
                selector.select(Math.max(1, (nextSend - System.nanoTime()) / 1_000_000));
                for (SelectionKey k : selector.selectedKeys()) {
                    Conn c = (Conn) k.attachment();
                    if (read(c, buf)) {
                        c.closedAfter = System.nanoTime() - c.firstByte;
                        k.cancel();
                        open--;
                    }
                }
                selector.selectedKeys().clear();
            }
            List<Outcome> result = new ArrayList<>();
            for (Conn c : conns) {
                result.add(new Outcome(c.read.toString(StandardCharsets.ISO_8859_1), c.closedAfter));
            }
            outcomes.complete(result);
        } catch (IOException | RuntimeException e) {
            outcomes.completeExceptionally(e);
        }
    }

    private void send(Conn c, long now) {
        try {
            if (c.channel.write(ByteBuffer.wrap(head, c.sent, 1)) == 1) {
                if (c.sent++ == 0) {
                    c.firstByte = now;
                }
            }
        } catch (IOException e) {
            // closed by the proxy: the read side says so
        }
    }

    /** Reads what is there; true at the end of the stream (or a reset). */
    private static boolean read(Conn c, ByteBuffer buf) {
        try {
            while (true) {
                buf.clear();
                int n = c.channel.read(buf);
                if (n < 0) {
                    return true;
                }
                if (n == 0) {
                    return false;
                }
                c.read.write(buf.array(), 0, n);
            }
        } catch (IOException e) {
            return true;
        }
    }

    @Override
    public void close() throws Exception {
        thread.interrupt();
        thread.join(5000);
        selector.close();
        for (Conn c : conns) {
            c.channel.close();
        }
    }
}
