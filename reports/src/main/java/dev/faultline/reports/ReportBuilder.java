package dev.faultline.reports;

import dev.faultline.reports.ReportModel.Attachment;
import dev.faultline.reports.ReportModel.Case;
import dev.faultline.reports.ReportModel.Link;
import dev.faultline.reports.ReportModel.Parameter;
import dev.faultline.reports.ReportModel.Status;
import dev.faultline.reports.ReportModel.Step;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Builds the report's test cases from runs: per experiment, one test per phase (its hypotheses as steps, the
 * server-side numbers, profiles, diffs and charts attached) and one test per hypothesis (status, bound, measured).
 */
public final class ReportBuilder {
    /** Lines kept from the end of each process log. */
    static final int LOG_TAIL = 60;

    private ReportBuilder() {
    }

    /** The cases of one run; links are relative to {@code reportDir} (where index.html will be). */
    public static List<Case> build(RunResult run, Path reportDir) throws IOException {
        List<Attachment> runWide = new ArrayList<>();
        if (!run.client().isEmpty()) {
            runWide.add(Attachment.bytes("Latency over time (load side)", "image/png", "png", Charts.latency(run)));
            runWide.add(Attachment.bytes("Throughput over time (load side)", "image/png", "png", Charts.throughput(run)));
        }
        for (Charts.Panel panel : Charts.SERVER_PANELS) {
            byte[] png = Charts.server(run, panel.title(), panel.axis(), panel.measures());
            if (png != null) {
                runWide.add(Attachment.bytes(panel.title() + " (Prometheus)", "image/png", "png", png));
            }
        }
        runWide.add(Attachment.bytes("Server-side numbers per phase", "text/html", "html", serverTable(run)));
        for (Path log : run.logs()) {
            runWide.add(Attachment.bytes("Log excerpt: " + log.getFileName(), "text/plain", "txt", logExcerpt(log)));
        }
        List<Link> links = new ArrayList<>();
        links.add(new Link("Gatling report", rel(reportDir, run.gatlingReport())));
        links.add(new Link("Run directory", rel(reportDir, run.dir())));

        List<Case> cases = new ArrayList<>();
        for (RunResult.Phase phase : run.phases()) {
            List<RunResult.Verdict> verdicts = run.verdictsOf(phase.name());
            List<Parameter> params = new ArrayList<>(List.of(
                    new Parameter(phase.tls().isEmpty() ? "rate (new players/s)" : "rate (polls/s)", num(phase.rate())),
                    new Parameter("faults", phase.faults().isEmpty() ? "none" : String.join("; ", phase.faults())),
                    new Parameter("duration", phase.durationMillis() / 1000.0 + " s")));
            if (!phase.tls().isEmpty()) {
                params.add(new Parameter("TLS", phase.tls()));
            }
            List<Step> steps = new ArrayList<>();
            for (RunResult.Verdict v : verdicts) {
                steps.add(new Step(v.hypothesis() + " — measured " + v.measured(), status(v),
                        List.of(new Parameter("bound", v.bound()), new Parameter("measured", v.measured())), List.of()));
            }
            Map<String, Double> server = run.server().getOrDefault(phase.name(), Map.of());
            List<Parameter> serverParams = new ArrayList<>();
            server.forEach((k, v) -> serverParams.add(new Parameter(k, v == null ? "no data" : num(v))));
            steps.add(new Step("Server-side numbers (" + run.metricsSource() + ")", Status.PASSED, serverParams,
                    List.of()));
            List<Attachment> profileFiles = new ArrayList<>();
            for (RunResult.Profile p : run.profilesOf(phase.name())) {
                if (p.error() != null) {
                    steps.add(new Step("Profile of " + p.component() + ": " + p.error(), Status.BROKEN, List.of(),
                            List.of()));
                    continue;
                }
                if (p.cpuFlameGraph() != null) {
                    profileFiles.add(Attachment.file("CPU flame graph: " + p.component() + " (" + p.event() + ", "
                            + p.samples() + " samples)", "text/html", p.cpuFlameGraph()));
                }
                if (p.allocFlameGraph() != null) {
                    profileFiles.add(Attachment.file("Allocation flame graph: " + p.component(), "text/html",
                            p.allocFlameGraph()));
                }
                if (p.diffFlameGraph() != null) {
                    profileFiles.add(Attachment.file("Diff flame graph: " + p.component() + " against "
                            + p.against(), "text/html", p.diffFlameGraph()));
                    profileFiles.add(Attachment.bytes("Frames that grew most: " + p.component() + " against "
                            + p.against(), "text/html", "html", diffTable(p)));
                }
                if (p.collapsed() != null) {
                    profileFiles.add(Attachment.file("Collapsed stacks: " + p.component(), "text/plain", p.collapsed()));
                }
            }
            if (run.profilesDisabled() != null) {
                steps.add(new Step("No profiles: " + run.profilesDisabled(), Status.PASSED, List.of(), List.of()));
            }
            List<Attachment> attachments = new ArrayList<>(profileFiles);
            attachments.addAll(runWide);
            Status status = worst(verdicts.stream().map(ReportBuilder::status).toList());
            if (run.harnessError() != null) {
                status = Status.BROKEN;
            }
            String message = verdicts.stream().filter(v -> !v.passed())
                    .map(v -> v.unjudged() != null ? v.hypothesis() + ": not judged, " + v.unjudged()
                            : v.hypothesis() + ": measured " + v.measured() + (v.error() == null ? "" : " (" + v.error() + ")"))
                    .reduce((a, b) -> a + "; " + b).orElse(run.harnessError());
            cases.add(new Case(phase.name(), run.experiment() + "." + phase.name(),
                    run.experiment() + "/" + phase.name(), status, message, phase.startMillis(), phase.endMillis(),
                    labels(run, phase.name(), "phase"), params, describe(run, phase), steps, attachments, links));
            for (RunResult.Verdict v : verdicts) {
                List<Parameter> p = new ArrayList<>(params);
                p.add(new Parameter("bound", v.bound()));
                p.add(new Parameter("measured", v.measured()));
                p.add(new Parameter("requests in phase", Long.toString(v.requests())));
                String msg = v.passed() ? null : v.unjudged() != null ? "not judged: " + v.unjudged()
                        : v.error() != null ? "not judged: " + v.error()
                        : "measured " + v.measured() + ", bound " + v.bound();
                cases.add(new Case(phase.name() + ": " + v.hypothesis(), run.experiment() + "." + phase.name() + "."
                        + v.hypothesis(), run.experiment() + "/" + phase.name() + "/" + v.hypothesis(), status(v), msg,
                        phase.startMillis(), phase.endMillis(), labels(run, phase.name(), "hypothesis"), p,
                        "<p>" + esc(v.hypothesis()) + " in phase <b>" + esc(phase.name()) + "</b> of "
                                + esc(run.experiment()) + ".</p>", List.of(), List.of(), links));
            }
        }
        return cases;
    }

    private static List<Parameter> labels(RunResult run, String phase, String kind) {
        return List.of(new Parameter("parentSuite", "Faultline"), new Parameter("suite", run.experiment()),
                new Parameter("subSuite", phase), new Parameter("feature", run.experiment()),
                new Parameter("story", phase), new Parameter("tag", kind), new Parameter("framework", "faultline"));
    }

    static Status status(RunResult.Verdict v) {
        return v.unjudged() != null ? Status.SKIPPED : v.error() != null ? Status.BROKEN
                : v.passed() ? Status.PASSED : Status.FAILED;
    }

    static Status worst(List<Status> all) {
        return all.contains(Status.FAILED) ? Status.FAILED : all.contains(Status.BROKEN) ? Status.BROKEN
                : all.contains(Status.SKIPPED) ? Status.SKIPPED : Status.PASSED;
    }

    private static String describe(RunResult run, RunResult.Phase phase) {
        StringBuilder sb = new StringBuilder();
        sb.append("<p>").append(esc(run.description())).append("</p>");
        sb.append("<p>Phase <b>").append(esc(phase.name())).append("</b>: ").append(num(phase.rate()))
                .append(phase.tls().isEmpty() ? " new players/s" : " polls/s (" + esc(phase.tls()) + ")")
                .append(" for ").append(phase.durationMillis() / 1000.0).append(" s; faults: ")
                .append(esc(phase.faults().isEmpty() ? "none" : String.join("; ", phase.faults()))).append(".</p>");
        sb.append("<p>Server-side numbers: ").append(esc(run.metricsSource())).append(".</p>");
        return sb.toString();
    }

    static byte[] serverTable(RunResult run) {
        StringBuilder sb = new StringBuilder("<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>Server-side"
                + " numbers</title><style>body{font-family:sans-serif}td,th{padding:3px 8px;border-bottom:1px solid #ddd}"
                + "td{text-align:right}</style></head><body><p>Source: ").append(esc(run.metricsSource()))
                .append("</p><table><tr><th>measure</th><th>unit</th>");
        run.phases().forEach(p -> sb.append("<th>").append(esc(p.name())).append("</th>"));
        sb.append("</tr>");
        List<String> measures = new ArrayList<>();
        run.server().values().forEach(m -> m.keySet().forEach(k -> {
            if (!measures.contains(k)) {
                measures.add(k);
            }
        }));
        for (String m : measures) {
            sb.append("<tr><th>").append(esc(m)).append("</th><td>").append(esc(run.serverUnits().getOrDefault(m, "")))
                    .append("</td>");
            for (RunResult.Phase p : run.phases()) {
                Double v = run.server().getOrDefault(p.name(), Map.of()).get(m);
                sb.append("<td>").append(v == null ? "–" : num(v)).append("</td>");
            }
            sb.append("</tr>");
        }
        return sb.append("</table></body></html>").toString().getBytes(StandardCharsets.UTF_8);
    }

    static byte[] diffTable(RunResult.Profile p) {
        StringBuilder sb = new StringBuilder("<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>Frames that"
                + " grew</title><style>body{font-family:sans-serif}td,th{padding:3px 8px;border-bottom:1px solid #ddd}"
                + "td.n{text-align:right}</style></head><body><p>").append(esc(p.component())).append(", phase <b>")
                .append(esc(p.phase())).append("</b> against <b>").append(esc(p.against()))
                .append("</b>: share of CPU samples with the frame on top (self) and anywhere on the stack (total).</p>"
                        + "<table><tr><th>frame</th><th>self before</th><th>self now</th><th>Δ self</th>"
                        + "<th>total before</th><th>total now</th></tr>");
        for (RunResult.FrameGrowth g : p.grewMost()) {
            sb.append("<tr><td>").append(esc(g.frame())).append("</td><td class=n>").append(pct(g.baselineSelf()))
                    .append("</td><td class=n>").append(pct(g.phaseSelf())).append("</td><td class=n>+")
                    .append(pct(g.phaseSelf() - g.baselineSelf())).append("</td><td class=n>")
                    .append(pct(g.baselineTotal())).append("</td><td class=n>").append(pct(g.phaseTotal()))
                    .append("</td></tr>");
        }
        return sb.append("</table></body></html>").toString().getBytes(StandardCharsets.UTF_8);
    }

    /** The last lines of a log, and before them its WARN/ERROR lines (at most 100). */
    static byte[] logExcerpt(Path log) throws IOException {
        List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
        List<String> problems = lines.stream().filter(l -> l.contains("\"WARN\"") || l.contains("\"ERROR\"")
                || l.contains(" WARN ") || l.contains(" ERROR ")).limit(100).toList();
        StringBuilder sb = new StringBuilder();
        sb.append("== ").append(log.getFileName()).append(": ").append(lines.size()).append(" lines, ")
                .append(problems.size()).append(" WARN/ERROR lines shown first ==\n");
        problems.forEach(l -> sb.append(l).append('\n'));
        sb.append("== last ").append(Math.min(LOG_TAIL, lines.size())).append(" lines ==\n");
        lines.subList(Math.max(0, lines.size() - LOG_TAIL), lines.size()).forEach(l -> sb.append(l).append('\n'));
        return sb.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static String rel(Path from, Path to) {
        return from.toAbsolutePath().normalize().relativize(to.toAbsolutePath().normalize()).toString()
                .replace('\\', '/');
    }

    static String num(double v) {
        if (v == Math.rint(v) && Math.abs(v) < 1e12) {
            return Long.toString((long) v);
        }
        return String.format(Locale.ROOT, Math.abs(v) < 0.01 ? "%.5f" : "%.3f", v);
    }

    private static String pct(double share) {
        return String.format(Locale.ROOT, "%.1f %%", share * 100);
    }

    static String esc(String s) {
        return s == null ? "" : s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
