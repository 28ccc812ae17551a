package dev.faultline.chaos;

import dev.faultline.chaos.proxy.ProxyRegistry;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;

/**
 * {@code java -jar chaos.jar [--host H] [--port P] [--config FILE]}; the real server's {@code -host}, {@code -port}
 * and {@code -config} are accepted too. Exit 2 on bad arguments or config, 1 when the API cannot listen.
 */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) {
        System.exit(run(args));
    }

    static int run(String[] args) {
        String host = env("CHAOS_HOST", "127.0.0.1");
        String port = env("CHAOS_PORT", "8474");
        String config = System.getenv("CHAOS_CONFIG");
        for (int i = 0; i < args.length; i++) {
            String a = args[i].startsWith("--") ? args[i].substring(2) : args[i].startsWith("-") ? args[i].substring(1) : null;
            String value = null;
            if (a != null && a.contains("=")) {
                value = a.substring(a.indexOf('=') + 1);
                a = a.substring(0, a.indexOf('='));
            }
            if ("help".equals(a) || "h".equals(a)) {
                System.out.print(HELP);
                return 0;
            }
            if (a == null || !List.of("host", "port", "config").contains(a)) {
                System.err.println("chaos: unknown argument \"" + args[i] + "\" (see --help)");
                return 2;
            }
            if (value == null) {
                if (i + 1 >= args.length) {
                    System.err.println("chaos: --" + a + " needs a value");
                    return 2;
                }
                value = args[++i];
            }
            switch (a) {
                case "host" -> host = value;
                case "port" -> port = value;
                default -> config = value;
            }
        }
        int p;
        try {
            p = Integer.parseInt(port);
            if (p < 0 || p > 65535) {
                throw new NumberFormatException();
            }
        } catch (NumberFormatException e) {
            System.err.println("chaos: --port: \"" + port + "\" is not a port number");
            return 2;
        }
        List<ProxyRegistry.ProxyInput> proxies;
        try {
            proxies = config == null ? List.of() : readConfig(Path.of(config));
        } catch (IllegalArgumentException e) {
            System.err.println("chaos: --config: " + e.getMessage());
            return 2;
        }
        ChaosServer server;
        try {
            server = ChaosServer.start(host, p);
        } catch (IllegalStateException e) {
            System.err.println("chaos: " + e.getMessage());
            return 1;
        }
        try {
            server.registry().populate(proxies);
        } catch (ProxyRegistry.PopulateException e) {
            System.err.println("chaos: --config: " + e.getMessage());
            server.close();
            return 2;
        }
        System.out.println("chaos: Toxiproxy API listening on " + server.url() + " (" + proxies.size()
                + " proxies from config)");
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            stopped.countDown();
        }, "shutdown"));
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return 0;
    }

    /** The real server's config file: a JSON array of {name, listen, upstream, enabled}. */
    static List<ProxyRegistry.ProxyInput> readConfig(Path file) {
        JsonArray array;
        try {
            array = new JsonArray(Files.readString(file));
        } catch (IOException e) {
            throw new IllegalArgumentException(file + ": cannot be read (" + e.getMessage() + ")");
        } catch (DecodeException | ClassCastException e) {
            throw new IllegalArgumentException(file + ": is not a JSON array of proxies");
        }
        List<ProxyRegistry.ProxyInput> out = new ArrayList<>();
        for (int i = 0; i < array.size(); i++) {
            Object o = array.getValue(i);
            if (!(o instanceof JsonObject p) || !(p.getValue("name") instanceof String name) || name.isEmpty()
                    || !(p.getValue("upstream") instanceof String upstream) || upstream.isEmpty()) {
                throw new IllegalArgumentException(file + ": [" + i + "] needs a \"name\" and an \"upstream\"");
            }
            Object listen = p.getValue("listen");
            Object enabled = p.getValue("enabled");
            out.add(new ProxyRegistry.ProxyInput(name, listen instanceof String s ? s : "", upstream,
                    !(enabled instanceof Boolean b) || b));
        }
        return out;
    }

    private static String env(String name, String dflt) {
        String v = System.getenv(name);
        return v == null || v.isBlank() ? dflt : v;
    }

    private static final String HELP = """
            Usage: java -jar chaos.jar [options]

            Faultline chaos: a Toxiproxy-compatible fault-injection server (HTTP API + TCP proxies).

            Options:
              --host <addr>     API listen address (env CHAOS_HOST, default 127.0.0.1)
              --port <port>     API port (env CHAOS_PORT, default 8474; 0 picks a free port)
              --config <file>   JSON array of proxies to create at start (env CHAOS_CONFIG)
              --help            print this help
            The real server's -host, -port and -config spellings are accepted too.
            """;

}
