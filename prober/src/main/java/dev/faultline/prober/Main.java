package dev.faultline.prober;

import dev.faultline.prober.config.ConfigException;
import dev.faultline.prober.config.ProberConfig;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;

/**
 * {@code java -jar prober.jar --config prober.yml [--metrics-port N] [--check-config]}: exit 0 on a clean stop (or a
 * valid config with --check-config), 2 on bad arguments or configuration, 1 when it cannot listen.
 */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) {
        System.exit(run(args));
    }

    static int run(String[] args) {
        String configFile = System.getenv("PROBER_CONFIG");
        Integer metricsPort = null;
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
                    case "--config", "--metrics-port" -> {
                        if (value == null) {
                            if (i + 1 >= args.length) {
                                throw new ConfigException(a + " needs a value");
                            }
                            value = args[++i];
                        }
                        if (a.equals("--config")) {
                            configFile = value;
                        } else {
                            metricsPort = portNumber(a, value);
                        }
                    }
                    default -> throw new ConfigException("unknown argument \"" + args[i] + "\" (see --help)");
                }
            }
            if (configFile == null) {
                throw new ConfigException("--config is required (or PROBER_CONFIG); see --help");
            }
            ProberConfig config = ProberConfig.load(Path.of(configFile), System.getenv());
            if (metricsPort != null) {
                config = new ProberConfig(new ProberConfig.Metrics(config.metrics().host(), metricsPort,
                        config.metrics().path()), config.probes(), config.statusChanges(), config.toxiproxy());
            }
            if (check) {
                System.out.println("prober: " + configFile + " is valid (" + config.probes().size() + " probes)");
                return 0;
            }
            return serve(config);
        } catch (ConfigException e) {
            System.err.println("prober: " + e.getMessage());
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

    private static int serve(ProberConfig config) {
        Prober prober = new Prober(config, System::nanoTime);
        try {
            prober.start();
        } catch (Prober.StartException e) {
            System.err.println("prober: " + e.getMessage());
            return 1;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            prober.close();
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
            Usage: java -jar prober.jar --config prober.yml [options]

            Faultline prober: probes HTTP endpoints on an interval and reports each probe as one JSON log line and
            as Prometheus metrics (probe_success, probe_duration_seconds, probe_http_status_code and the
            prober_probe_duration_seconds histogram); optionally changes the word-game server's /status through
            its admin endpoint on a schedule and exports the active toxics of a Toxiproxy API.

            Options:
              --config <file>        the YAML configuration (env PROBER_CONFIG); keys in prober/README.md
              --metrics-port <port>  overrides metrics.port (0 picks a free port)
              --check-config         validate the configuration and exit (0 when valid)
              --help                 print this help
            """;
}
