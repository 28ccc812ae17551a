package dev.faultline.deploy;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.yaml.snakeyaml.Yaml;

/**
 * Every PromQL expression deploy/ ships, read from the files themselves so that a new rule or panel is checked
 * without touching a test: rule files ({@code expr} of each recording and alerting rule) and dashboards (targets on
 * the Prometheus datasource, annotation queries, and variable queries, {@code label_values(m, l)} becoming
 * {@code count by (l) (m)}). Grafana's variables are substituted as Grafana would for "All" and a short range.
 */
final class Expressions {
    /** One expression: the file, where in it (e.g. {@code panel "Request rate by route" A}), and the query. */
    record Expression(String file, String where, String query) {
        @Override
        public String toString() {
            return file + ": " + where;
        }
    }

    private static final Pattern LABEL_VALUES = Pattern.compile("label_values\\((.+),\\s*([a-zA-Z_][a-zA-Z0-9_]*)\\)");
    private static final Set<String> KEYWORDS = Set.of("and", "or", "unless", "by", "without", "on", "ignoring",
            "group_left", "group_right", "bool", "offset", "inf", "nan");

    private Expressions() {
    }

    static List<Path> files(Path dir, String suffix) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.toString().endsWith(suffix)).sorted().toList();
        }
    }

    @SuppressWarnings("unchecked")
    static List<Expression> rules(Path file) throws IOException {
        Map<String, Object> doc = new Yaml().load(Files.readString(file));
        List<Expression> out = new ArrayList<>();
        for (Map<String, Object> group : (List<Map<String, Object>>) doc.get("groups")) {
            for (Map<String, Object> rule : (List<Map<String, Object>>) group.get("rules")) {
                String where = rule.containsKey("alert") ? "alert " + rule.get("alert") : "record " + rule.get("record");
                out.add(new Expression(file.getFileName().toString(), where, String.valueOf(rule.get("expr")).strip()));
            }
        }
        return out;
    }

    /** The dashboard's Prometheus queries, variables substituted for a query window of {@code rangeSeconds}. */
    static List<Expression> dashboard(Path file, int rangeSeconds) throws IOException {
        JsonObject d = new JsonObject(Files.readString(file));
        Map<String, String> vars = variables(d, rangeSeconds);
        String name = file.getFileName().toString();
        List<Expression> out = new ArrayList<>();
        for (JsonObject panel : panels(d)) {
            for (JsonObject target : targets(panel)) {
                if (isPrometheus(target.getJsonObject("datasource", panel.getJsonObject("datasource")))) {
                    out.add(new Expression(name, "panel \"" + panel.getString("title") + "\" " + target.getString("refId"),
                            substitute(target.getString("expr"), vars)));
                }
            }
        }
        for (Object a : d.getJsonObject("annotations", new JsonObject()).getJsonArray("list", new JsonArray())) {
            JsonObject ann = (JsonObject) a;
            if (isPrometheus(ann.getJsonObject("datasource")) && ann.getString("expr") != null) {
                out.add(new Expression(name, "annotation \"" + ann.getString("name") + "\"",
                        substitute(ann.getString("expr"), vars)));
            }
        }
        for (Object v : d.getJsonObject("templating", new JsonObject()).getJsonArray("list", new JsonArray())) {
            JsonObject var = (JsonObject) v;
            if ("query".equals(var.getString("type")) && isPrometheus(var.getJsonObject("datasource"))) {
                Object q = var.getValue("query");
                String query = q instanceof JsonObject o ? o.getString("query") : String.valueOf(q);
                Matcher m = LABEL_VALUES.matcher(query.strip());
                out.add(new Expression(name, "variable $" + var.getString("name"), m.matches()
                        ? "count by (" + m.group(2) + ") (" + m.group(1) + ")" : substitute(query, vars)));
            }
        }
        return out;
    }

    /** The queries of a dashboard that are not PromQL (Loki's LogQL): listed, not checked here. */
    static List<Expression> otherQueries(Path file) throws IOException {
        JsonObject d = new JsonObject(Files.readString(file));
        List<Expression> out = new ArrayList<>();
        for (JsonObject panel : panels(d)) {
            for (JsonObject target : targets(panel)) {
                if (!isPrometheus(target.getJsonObject("datasource", panel.getJsonObject("datasource")))) {
                    out.add(new Expression(file.getFileName().toString(), "panel \"" + panel.getString("title") + "\" "
                            + target.getString("refId"), target.getString("expr")));
                }
            }
        }
        return out;
    }

    /** Every panel, the ones inside rows included. */
    static List<JsonObject> panels(JsonObject dashboard) {
        List<JsonObject> out = new ArrayList<>();
        for (Object p : dashboard.getJsonArray("panels", new JsonArray())) {
            JsonObject panel = (JsonObject) p;
            out.add(panel);
            for (Object inner : panel.getJsonArray("panels", new JsonArray())) {
                out.add((JsonObject) inner);
            }
        }
        return out;
    }

    static List<JsonObject> targets(JsonObject panel) {
        return panel.getJsonArray("targets", new JsonArray()).stream().map(JsonObject.class::cast).toList();
    }

    static boolean isPrometheus(JsonObject datasource) {
        return datasource != null && "prometheus".equals(datasource.getString("type"));
    }

    /** Grafana's built-ins for a 1 s scrape and the dashboard's variables at "All" (their allValue, else .*). */
    static Map<String, String> variables(JsonObject dashboard, int rangeSeconds) {
        Map<String, String> vars = new LinkedHashMap<>();
        vars.put("__rate_interval", "10s");
        vars.put("__interval", "5s");
        vars.put("__range", rangeSeconds + "s");
        for (Object v : dashboard.getJsonObject("templating", new JsonObject()).getJsonArray("list", new JsonArray())) {
            JsonObject var = (JsonObject) v;
            vars.put(var.getString("name"), var.getString("allValue", ".*"));
        }
        return vars;
    }

    static String substitute(String expr, Map<String, String> vars) {
        String out = expr;
        List<String> names = vars.keySet().stream().sorted(Comparator.comparing(String::length).reversed()).toList();
        for (String n : names) {
            String value = Matcher.quoteReplacement(vars.get(n));
            out = out.replace("${" + n + "}", vars.get(n)).replace("[[" + n + "]]", vars.get(n))
                    .replaceAll("\\$" + Pattern.quote(n) + "\\b", value);
        }
        return out;
    }

    /** The variables an expression still uses after substitution ($name, ${name}, [[name]]); none expected. */
    static Set<String> unresolved(String expr) {
        Set<String> out = new TreeSet<>();
        Matcher m = Pattern.compile("\\$\\{?([a-zA-Z_][a-zA-Z0-9_]*)|\\[\\[([a-zA-Z_][a-zA-Z0-9_]*)]]").matcher(expr);
        while (m.find()) {
            out.add(m.group(1) != null ? m.group(1) : m.group(2));
        }
        return out;
    }

    /**
     * The metric names a PromQL expression reads: identifiers outside strings, label matchers, ranges and label
     * lists that are not functions, keywords or parts of numbers.
     */
    static Set<String> metricNames(String expr) {
        String s = expr.replaceAll("\"(?:[^\"\\\\]|\\\\.)*\"", "\"\"")
                .replaceAll("\\{[^}]*}", " ")
                .replaceAll("\\[[^]]*]", " ")
                .replaceAll("\\b(by|without|on|ignoring|group_left|group_right)\\s*\\([^)]*\\)", " ");
        Set<String> out = new TreeSet<>();
        Matcher m = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*").matcher(s);
        while (m.find()) {
            char before = m.start() > 0 ? s.charAt(m.start() - 1) : ' ';
            int after = m.end();
            while (after < s.length() && s.charAt(after) == ' ') {
                after++;
            }
            boolean function = after < s.length() && s.charAt(after) == '(';
            if (!function && !KEYWORDS.contains(m.group()) && !Character.isDigit(before) && before != '.') {
                out.add(m.group());
            }
        }
        return out;
    }
}
