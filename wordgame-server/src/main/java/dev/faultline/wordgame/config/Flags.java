package dev.faultline.wordgame.config;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Command-line flags with environment-variable equivalents. A flag given on the command line wins over its
 * environment variable, which wins over the default. Accepts {@code --name value}, {@code --name=value} and, for
 * booleans, a bare {@code --name}.
 */
public final class Flags {
    /** One option: its flag, environment variable, default (null: none) and help line. */
    public record Option(String name, String env, String defaultValue, boolean bool, boolean secret, String help) {
    }

    private final String program;
    private final String envPrefix;
    private final Map<String, Option> options = new LinkedHashMap<>();

    public Flags(String program, String envPrefix) {
        this.program = program;
        this.envPrefix = envPrefix;
    }

    public Flags value(String name, String defaultValue, String help) {
        return add(new Option(name, envName(name), defaultValue, false, false, help));
    }

    public Flags secret(String name, String help) {
        return add(new Option(name, envName(name), null, false, true, help));
    }

    public Flags bool(String name, boolean defaultValue, String help) {
        return add(new Option(name, envName(name), Boolean.toString(defaultValue), true, false, help));
    }

    private Flags add(Option option) {
        options.put(option.name(), option);
        return this;
    }

    private String envName(String name) {
        return envPrefix + name.toUpperCase(Locale.ROOT).replace('-', '_');
    }

    /** Resolves every option from the arguments, then the environment, then the default. */
    public Values parse(String[] args, Map<String, String> env) {
        Map<String, String> given = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            if (!arg.startsWith("--") || arg.length() == 2) {
                throw new ConfigException("unexpected argument \"" + arg + "\" (see --help)");
            }
            String name = arg.substring(2);
            String value = null;
            int eq = name.indexOf('=');
            if (eq >= 0) {
                value = name.substring(eq + 1);
                name = name.substring(0, eq);
            }
            Option option = options.get(name);
            if (option == null) {
                throw new ConfigException("unknown option --" + name + " (see --help)");
            }
            if (value == null) {
                if (option.bool()) {
                    value = "true";
                } else if (i + 1 < args.length) {
                    value = args[++i];
                } else {
                    throw new ConfigException("--" + name + " needs a value");
                }
            }
            given.put(name, value);
        }
        Map<String, String> resolved = new LinkedHashMap<>();
        Map<String, String> source = new LinkedHashMap<>();
        for (Option option : options.values()) {
            if (given.containsKey(option.name())) {
                resolved.put(option.name(), given.get(option.name()));
                source.put(option.name(), "--" + option.name());
            } else if (env.get(option.env()) != null) {
                resolved.put(option.name(), env.get(option.env()));
                source.put(option.name(), option.env());
            } else {
                resolved.put(option.name(), option.defaultValue());
                source.put(option.name(), "--" + option.name());
            }
        }
        return new Values(resolved, source);
    }

    public String help(String description) {
        StringBuilder sb = new StringBuilder();
        sb.append("Usage: ").append(program).append(" [options]\n\n").append(description).append("\n\nOptions:\n");
        for (Option o : options.values()) {
            String flag = "--" + o.name() + (o.bool() ? "[=true|false]" : " <value>");
            sb.append(String.format("  %-34s %s%n", flag, o.help()));
            List<String> extra = new ArrayList<>();
            extra.add("env " + o.env());
            if (o.defaultValue() != null) {
                extra.add("default " + o.defaultValue());
            }
            sb.append(String.format("  %-34s (%s)%n", "", String.join(", ", extra)));
        }
        return sb.toString();
    }

    /** The resolved option values, with typed accessors whose errors name the option and the value. */
    public static final class Values {
        private final Map<String, String> values;
        private final Map<String, String> source;

        Values(Map<String, String> values, Map<String, String> source) {
            this.values = values;
            this.source = source;
        }

        public String string(String name) {
            return values.get(name);
        }

        public int integer(String name, int min, int max) {
            String v = values.get(name);
            try {
                int n = Integer.parseInt(v.strip());
                if (n < min || n > max) {
                    throw bad(name, v, "is not between " + min + " and " + max);
                }
                return n;
            } catch (NumberFormatException e) {
                throw bad(name, v, "is not a whole number");
            }
        }

        public boolean bool(String name) {
            String v = values.get(name).strip().toLowerCase(Locale.ROOT);
            return switch (v) {
                case "true", "yes", "1", "on" -> true;
                case "false", "no", "0", "off" -> false;
                default -> throw bad(name, values.get(name), "is not true or false");
            };
        }

        public java.time.Duration duration(String name, java.time.Duration min, java.time.Duration max) {
            String v = values.get(name);
            java.time.Duration d = Durations.parse(v == null ? null : v.strip());
            if (d == null) {
                throw bad(name, v, "is not a duration (e.g. 500ms, 30s, 10m)");
            }
            if (d.compareTo(min) < 0 || d.compareTo(max) > 0) {
                throw bad(name, v, "is not between " + Durations.format(min) + " and " + Durations.format(max));
            }
            return d;
        }

        public ConfigException bad(String name, String value, String why) {
            return new ConfigException(source.get(name) + ": \"" + value + "\" " + why);
        }
    }
}
