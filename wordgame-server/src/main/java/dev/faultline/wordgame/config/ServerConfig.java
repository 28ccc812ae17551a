package dev.faultline.wordgame.config;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The server's settings, parsed once from flags and environment variables. */
public record ServerConfig(
        String host,
        int port,
        Optional<Path> wordsFile,
        int maxGames,
        Duration gameTtl,
        int maxBodyBytes,
        int maxHeaderBytes,
        Duration idleTimeout,
        Optional<String> adminToken,
        Optional<String> otlpEndpoint,
        String serviceName,
        Tls tls,
        boolean accessLog,
        int eventLoops,
        Duration shutdownTimeout,
        Duration idempotencyWindow,
        int idempotencyMaxKeys,
        AdminListener adminListener,
        Optional<Path> portFile) {

    public static final String DESCRIPTION = """
            Faultline word-game server: a hangman-style JSON API (POST /new, POST /guess) with health, readiness,
            Prometheus metrics, a configurable /status response and HTTP fault injection (/admin/*, for loopback
            clients that did not come through a proxy unless --admin-token is set; on its own loopback listener
            with --admin-port).""";

    /**
     * The admin API's own listener: with a port, {@code /admin/*} is served there only (plain HTTP, bound to
     * {@code host}, loopback by default) and the main listeners answer those paths 404.
     */
    public record AdminListener(Optional<Integer> port, String host) {
        @Override
        public String toString() {
            return port.map(p -> host + ":" + p).orElse("main listener");
        }
    }

    /**
     * TLS settings: off, PEM certificate + key, or a PKCS#12 keystore; with {@code port}, TLS is served on that
     * port beside plain HTTP on the main one, otherwise the main port itself speaks TLS.
     */
    public record Tls(Optional<Path> certFile, Optional<Path> keyFile, Optional<Path> keystore,
                      Optional<String> keystorePassword, List<String> protocols, Optional<Integer> port,
                      Duration handshakeTimeout, int warmup) {
        public boolean enabled() {
            return certFile.isPresent() || keystore.isPresent();
        }

        @Override
        public String toString() {
            if (!enabled()) {
                return "off";
            }
            return (keystore.isPresent() ? "pkcs12 " + keystore.get() : "pem " + certFile.get()) + " " + protocols
                    + port.map(p -> " on port " + p).orElse("");
        }
    }

    public static Flags flags() {
        return new Flags("java -jar wordgame-server.jar", "WORDGAME_")
                .value("host", "0.0.0.0", "address to listen on")
                .value("port", "1337", "port to listen on (0 picks a free port)")
                .value("words", null, "word list file (one word of letters A-Z per line) replacing the bundled one")
                .value("max-games", "100000", "live games the store holds at most; /new answers 503 when full")
                .value("game-ttl", "10m", "a game without a guess for this long is evicted")
                .value("max-body-bytes", "8192", "largest request body accepted; larger answers 413")
                .value("max-header-bytes", "8192", "largest request header block accepted; larger answers 431")
                .value("idle-timeout", "60s", "close a connection idle for this long")
                .secret("admin-token", "token that lets non-loopback clients call /admin/* (Authorization: Bearer <token>)")
                .value("otlp-endpoint", null, "OTLP/HTTP endpoint for traces, e.g. http://127.0.0.1:4318 (none: no export)")
                .value("service-name", "wordgame-server", "service.name of traces and logs")
                .value("tls-cert", null, "PEM certificate chain; enables TLS together with --tls-key")
                .value("tls-key", null, "PEM private key (RSA or ECDSA, PKCS#1, PKCS#8 or SEC1)")
                .value("tls-keystore", null, "PKCS#12 keystore with the key and certificate; enables TLS")
                .secret("tls-keystore-password", "password of the PKCS#12 keystore")
                .value("tls-protocols", "TLSv1.3,TLSv1.2", "TLS versions to enable, comma-separated")
                .value("tls-handshake-timeout", "10s", "close a connection whose TLS handshake is not done by then")
                .value("tls-warmup", "500", "full TLS handshakes the server makes with itself before it listens, within 10 s (0: none)")
                .value("tls-port", null, "serve TLS on this port and plain HTTP on --port (without it, --port speaks TLS)")
                .bool("access-log", true, "log one JSON line per request")
                .value("event-loops", "0", "Vert.x event-loop threads (0: two per core)")
                .value("shutdown-timeout", "10s", "how long a graceful shutdown waits for in-flight requests")
                .value("idempotency-window", "10m", "a repeated Idempotency-Key on /new or /guess replays the first answer for this long")
                .value("idempotency-max-keys", "100000", "Idempotency-Keys remembered at most; beyond it the oldest is forgotten")
                .value("admin-port", null, "serve /admin/* on this port only, on its own plain-HTTP listener (0 picks a free port; none: on --port)")
                .value("admin-host", "127.0.0.1", "address of the --admin-port listener")
                .value("port-file", null, "once listening, write {\"port\":…,\"adminPort\":…,\"tlsPort\":…} (null: no such listener) to this file; removed on shutdown")
                .bool("help", false, "print this help and exit");
    }

    /** Parses and validates; throws {@link ConfigException} naming the option and value. */
    public static ServerConfig parse(Flags.Values v) {
        Optional<Path> words = optional(v, "words").map(Path::of);
        words.ifPresent(p -> requireReadable(v, "words", p));
        Optional<Path> cert = optional(v, "tls-cert").map(Path::of);
        Optional<Path> key = optional(v, "tls-key").map(Path::of);
        Optional<Path> keystore = optional(v, "tls-keystore").map(Path::of);
        if (cert.isPresent() != key.isPresent()) {
            throw cert.isPresent()
                    ? v.bad("tls-cert", v.string("tls-cert"), "needs --tls-key too")
                    : v.bad("tls-key", v.string("tls-key"), "needs --tls-cert too");
        }
        if (cert.isPresent() && keystore.isPresent()) {
            throw v.bad("tls-keystore", v.string("tls-keystore"), "cannot be combined with --tls-cert/--tls-key");
        }
        cert.ifPresent(p -> requireReadable(v, "tls-cert", p));
        key.ifPresent(p -> requireReadable(v, "tls-key", p));
        keystore.ifPresent(p -> requireReadable(v, "tls-keystore", p));
        List<String> protocols = Arrays.stream(v.string("tls-protocols").split(","))
                .map(String::strip).filter(s -> !s.isEmpty()).toList();
        for (String p : protocols) {
            if (!List.of("TLSv1.2", "TLSv1.3").contains(p)) {
                throw v.bad("tls-protocols", v.string("tls-protocols"), "names " + p + "; use TLSv1.2 and/or TLSv1.3");
            }
        }
        if (protocols.isEmpty()) {
            throw v.bad("tls-protocols", v.string("tls-protocols"), "names no protocol");
        }
        Optional<String> otlp = optional(v, "otlp-endpoint");
        otlp.ifPresent(e -> {
            if (!e.startsWith("http://") && !e.startsWith("https://")) {
                throw v.bad("otlp-endpoint", e, "is not an http:// or https:// URL");
            }
        });
        String host = v.string("host").strip();
        if (host.isEmpty()) {
            throw v.bad("host", host, "is empty");
        }
        return new ServerConfig(
                host,
                v.integer("port", 0, 65535),
                words,
                v.integer("max-games", 1, 10_000_000),
                v.duration("game-ttl", Duration.ofSeconds(1), Duration.ofDays(1)),
                v.integer("max-body-bytes", 64, 1 << 20),
                v.integer("max-header-bytes", 1024, 1 << 16),
                v.duration("idle-timeout", Duration.ofSeconds(1), Duration.ofHours(1)),
                optional(v, "admin-token"),
                otlp,
                v.string("service-name"),
                new Tls(cert, key, keystore, optional(v, "tls-keystore-password"), protocols, tlsPort(v, cert, keystore),
                        v.duration("tls-handshake-timeout", Duration.ofMillis(100), Duration.ofMinutes(5)),
                        v.integer("tls-warmup", 0, 100_000)),
                v.bool("access-log"),
                v.integer("event-loops", 0, 1024),
                v.duration("shutdown-timeout", Duration.ZERO, Duration.ofMinutes(10)),
                v.duration("idempotency-window", Duration.ofSeconds(1), Duration.ofDays(1)),
                v.integer("idempotency-max-keys", 1, 10_000_000),
                adminListener(v),
                portFile(v));
    }

    private static AdminListener adminListener(Flags.Values v) {
        String host = v.string("admin-host").strip();
        if (host.isEmpty()) {
            throw v.bad("admin-host", host, "is empty");
        }
        if (optional(v, "admin-port").isEmpty()) {
            return new AdminListener(Optional.empty(), host);
        }
        int p = v.integer("admin-port", 0, 65535);
        if (p != 0 && p == v.integer("port", 0, 65535)) {
            throw v.bad("admin-port", v.string("admin-port"), "is --port too; use another port");
        }
        if (p != 0 && optional(v, "tls-port").isPresent() && p == v.integer("tls-port", 0, 65535)) {
            throw v.bad("admin-port", v.string("admin-port"), "is --tls-port too; use another port");
        }
        return new AdminListener(Optional.of(p), host);
    }

    private static Optional<Path> portFile(Flags.Values v) {
        Optional<Path> file = optional(v, "port-file").map(Path::of);
        file.ifPresent(f -> {
            Path dir = f.toAbsolutePath().getParent();
            if (dir == null || !Files.isDirectory(dir)) {
                throw v.bad("port-file", f.toString(), "is not in an existing directory");
            }
            if (Files.isDirectory(f)) {
                throw v.bad("port-file", f.toString(), "is a directory");
            }
        });
        return file;
    }

    private static Optional<Integer> tlsPort(Flags.Values v, Optional<Path> cert, Optional<Path> keystore) {
        if (optional(v, "tls-port").isEmpty()) {
            return Optional.empty();
        }
        if (cert.isEmpty() && keystore.isEmpty()) {
            throw v.bad("tls-port", v.string("tls-port"), "needs --tls-keystore or --tls-cert/--tls-key");
        }
        int p = v.integer("tls-port", 0, 65535);
        if (p != 0 && p == v.integer("port", 0, 65535)) {
            throw v.bad("tls-port", v.string("tls-port"), "is --port too; use another port");
        }
        return Optional.of(p);
    }

    /** Defaults, as if started with no flags and no environment. */
    public static ServerConfig defaults() {
        return parse(flags().parse(new String[0], Map.of()));
    }

    private static Optional<String> optional(Flags.Values v, String name) {
        String s = v.string(name);
        return s == null || s.isBlank() ? Optional.empty() : Optional.of(s.strip());
    }

    private static void requireReadable(Flags.Values v, String name, Path p) {
        if (!Files.isRegularFile(p)) {
            throw v.bad(name, p.toString(), "is not a file");
        }
        if (!Files.isReadable(p)) {
            throw v.bad(name, p.toString(), "cannot be read");
        }
    }

    /** A copy with another port (tests and the harness bind port 0). */
    public ServerConfig withPort(int newPort) {
        return new ServerConfig(host, newPort, wordsFile, maxGames, gameTtl, maxBodyBytes, maxHeaderBytes,
                idleTimeout, adminToken, otlpEndpoint, serviceName, tls, accessLog, eventLoops, shutdownTimeout,
                idempotencyWindow, idempotencyMaxKeys, adminListener, portFile);
    }

    /** For the startup log line: secrets are masked. */
    @Override
    public String toString() {
        return "host=" + host + " port=" + port + " words=" + wordsFile.map(Path::toString).orElse("bundled")
                + " maxGames=" + maxGames + " gameTtl=" + Durations.format(gameTtl)
                + " maxBodyBytes=" + maxBodyBytes + " idleTimeout=" + Durations.format(idleTimeout)
                + " adminToken=" + (adminToken.isPresent() ? "set" : "none")
                + " otlp=" + otlpEndpoint.orElse("none") + " tls=" + tls + " accessLog=" + accessLog
                + " idempotencyWindow=" + Durations.format(idempotencyWindow) + " idempotencyMaxKeys=" + idempotencyMaxKeys
                + " admin=" + adminListener + portFile.map(f -> " portFile=" + f).orElse("");
    }
}
