package dev.faultline.wordgame.http;

import dev.faultline.wordgame.telemetry.Metrics;
import io.vertx.core.http.HttpConnection;
import java.io.IOException;
import java.nio.channels.ClosedChannelException;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.SSLSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Counts TLS handshakes (full or resumed, by version) and their failures (by reason), and keeps failures out of
 * the log's way: each at DEBUG, and at most one WARN summary per {@link #SUMMARY_EVERY_MS} with the counts by
 * reason and the last one. A storm of clients giving up mid-handshake is then a counter and a line every 10 s,
 * not a log line per connection.
 */
final class TlsHandshakes {
    private static final Logger LOG = LoggerFactory.getLogger(TlsHandshakes.class);
    static final long SUMMARY_EVERY_MS = 10_000;

    private final Metrics metrics;
    private final AtomicLong[] failed = new AtomicLong[Metrics.TLS_FAILURE_REASONS.size()];
    private final AtomicReference<String> last = new AtomicReference<>();

    TlsHandshakes(Metrics metrics) {
        this.metrics = metrics;
        for (int i = 0; i < failed.length; i++) {
            failed[i] = new AtomicLong();
        }
    }

    /**
     * Whether a server-side session was resumed rather than made by a full handshake. The JDK gives a new
     * session equal creation and last-access times, and a resumed one (a TLS 1.2 session found by id, a TLS 1.3
     * session rebuilt from a PSK ticket) keeps its first creation time while the resumption touches its access
     * time; checked for both versions by the module's tests.
     */
    static boolean resumed(SSLSession session) {
        return session.getLastAccessedTime() > session.getCreationTime();
    }

    /** A connection whose handshake completed (called for every connection; plain ones are skipped). */
    void connected(HttpConnection connection) {
        if (!connection.isSsl()) {
            return;
        }
        SSLSession s = connection.sslSession();
        if (s != null) {
            metrics.tlsHandshake(resumed(s), s.getProtocol());
        }
    }

    /** An error before the HTTP connection existed: on a TLS listener, a failed handshake. */
    void failed(Throwable error, String remote) {
        String reason = reason(error);
        metrics.tlsHandshakeFailed(reason);
        failed[Metrics.TLS_FAILURE_REASONS.indexOf(reason)].incrementAndGet();
        String message = describe(error);
        last.set((remote == null ? "" : "from " + remote + ": ") + message);
        LOG.debug("TLS handshake failed ({}){}: {}", reason, remote == null ? "" : " from " + remote, message);
    }

    /** The WARN summary of the failures since the last one, if there were any. */
    void summarize() {
        StringBuilder counts = new StringBuilder();
        long total = 0;
        for (int i = 0; i < failed.length; i++) {
            long n = failed[i].getAndSet(0);
            if (n > 0) {
                counts.append(counts.length() == 0 ? "" : ", ").append(Metrics.TLS_FAILURE_REASONS.get(i))
                        .append('=').append(n);
                total += n;
            }
        }
        if (total > 0) {
            LOG.atWarn().addKeyValue("tls_handshake_failures", total).log("{} TLS handshakes failed in the last {}s ({});"
                    + " last {}", total, SUMMARY_EVERY_MS / 1000, counts, last.get());
        }
    }

    static String reason(Throwable error) {
        for (Throwable t = error; t != null; t = t.getCause()) {
            String name = t.getClass().getName();
            String msg = String.valueOf(t.getMessage()).toLowerCase(Locale.ROOT);
            if (name.endsWith("SslHandshakeTimeoutException") || msg.contains("handshake timed out")) {
                return "timeout";
            }
            if (t instanceof ClosedChannelException || name.endsWith("SslClosedEngineException")
                    || msg.contains("closed") || msg.contains("eof") || msg.contains("end of stream")) {
                return "eof";
            }
            if (t instanceof IOException && (msg.contains("reset") || msg.contains("broken pipe"))) {
                return "reset";
            }
            if (t instanceof javax.net.ssl.SSLException || name.endsWith("NotSslRecordException")) {
                return "protocol";
            }
        }
        return "other";
    }

    private static String describe(Throwable t) {
        Throwable root = t;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String m = root.getMessage();
        String text = root.getClass().getSimpleName() + (m == null ? "" : ": " + m);
        return text.length() > 200 ? text.substring(0, 200) + "…" : text;
    }
}
