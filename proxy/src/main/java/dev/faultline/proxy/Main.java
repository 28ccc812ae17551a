package dev.faultline.proxy;

import dev.faultline.proxy.config.ConfigException;
import dev.faultline.proxy.config.ProxyConfig;
import dev.faultline.proxy.http.ProxyServer;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;

/**
 * {@code java -jar proxy.jar --config proxy.yml [--port N] [--metrics-port N] [--check-config]}: exit 0 on a clean
 * stop (or a valid config with --check-config), 2 on bad arguments or configuration, 1 when it cannot listen.
 */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) {
        System.exit(run(args));
    }

    static int run(String[] args) {
        String configFile = System.getenv("PROXY_CONFIG");
        Optional<Integer> port = Optional.empty();
        Optional<Integer> metricsPort = Optional.empty();
        boolean check = false;
        try {
            for (int i = 0; i < args.length; i++) {
                String a = args[i];
                String value = null;
                if (a.startsWith("--") && a.contains("=")) {
                    value = a.substring(a.indexOf('=') + 1);
                    a = a.substring(0, a.indexOf('='));
                }
                switch (a) {
                    case "--help", "-h" -> {
                        System.out.print(HELP);
                        return 0;
                    }
                    case "--check-config" -> check = true;
                    case "--config", "--port", "--metrics-port" -> {
                        if (value == null) {
                            if (i + 1 >= args.length) {
                                throw new ConfigException(a + " needs a value");
                            }
                            value = args[++i];
                        }
                        if (a.equals("--config")) {
                            configFile = value;
                        } else if (a.equals("--port")) {
                            port = Optional.of(portNumber(a, value));
                        } else {
                            metricsPort = Optional.of(portNumber(a, value));
                        }
                    }
                    default -> throw new ConfigException("unknown argument \"" + args[i] + "\" (see --help)");
                }
            }
            if (configFile == null) {
                throw new ConfigException("--config is required (or PROXY_CONFIG); see --help");
            }
            ProxyConfig config = ProxyConfig.load(Path.of(configFile)).withPorts(port, metricsPort);
            if (check) {
                System.out.println("proxy: " + configFile + " is valid (" + config.paths().size() + " routes)");
                return 0;
            }
            return serve(config);
        } catch (ConfigException e) {
            System.err.println("proxy: " + e.getMessage());
            return 2;
        }
    }

    private static int portNumber(String flag, String value) {
        try {
            int p = Integer.parseInt(value.strip());
            if (p >= 0 && p <= 65535) {
                return p;
            }
        } catch (NumberFormatException e) {
            // fall through
        }
        throw new ConfigException(flag + ": \"" + value + "\" is not a port number");
    }

    private static int serve(ProxyConfig config) {
        ProxyServer server = new ProxyServer(config);
        try {
            server.start();
        } catch (ProxyServer.StartException e) {
            System.err.println("proxy: " + e.getMessage());
            return 1;
        }
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

    private static final String HELP = """
            Usage: java -jar proxy.jar --config proxy.yml [options]

            Faultline ingress proxy: YAML routes to a local application with retries, timeouts, a circuit breaker
            and rate limiting per route, Prometheus metrics on their own port and trace propagation.

            Options:
              --config <file>       the YAML configuration (env PROXY_CONFIG); keys in proxy/README.md
              --port <port>         overrides the file's port (0 picks a free port)
              --metrics-port <port> overrides metrics.port
              --check-config        validate the configuration and exit (0 when valid)
              --help                print this help
            """;
}
