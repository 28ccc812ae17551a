package dev.faultline.reports;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.List;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.plot.IntervalMarker;
import org.jfree.chart.plot.ValueMarker;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.chart.ui.Layer;
import org.jfree.chart.ui.RectangleAnchor;
import org.jfree.chart.ui.TextAnchor;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/**
 * PNG charts of a run (JFreeChart, headless): time on the x axis in seconds from the first phase, each phase
 * boundary marked and named, phases with faults shaded.
 */
public final class Charts {
    public static final int WIDTH = 1000;
    public static final int HEIGHT = 420;
    private static final Color FAULT = new Color(255, 140, 0, 40);
    private static final Color[] LINES = {new Color(31, 119, 180), new Color(214, 39, 40), new Color(44, 160, 44),
        new Color(148, 103, 189)};

    static {
        System.setProperty("java.awt.headless", "true");
    }

    private Charts() {
    }

    /** p50 and p99 latency per second, as the load saw it. */
    public static byte[] latency(RunResult run) throws IOException {
        XYSeries p50 = new XYSeries("p50 (ms)");
        XYSeries p99 = new XYSeries("p99 (ms)");
        for (RunResult.ClientPoint p : run.client()) {
            p50.add(x(run, p.t()), p.p50Millis());
            p99.add(x(run, p.t()), p.p99Millis());
        }
        return png(run, "Latency seen by the load — " + run.experiment(), "milliseconds", List.of(p50, p99));
    }

    /** Requests started and errors (no answer or 5xx) per second. */
    public static byte[] throughput(RunResult run) throws IOException {
        XYSeries req = new XYSeries("requests/s");
        XYSeries err = new XYSeries("errors/s (5xx, no answer)");
        for (RunResult.ClientPoint p : run.client()) {
            req.add(x(run, p.t()), p.requests());
            err.add(x(run, p.t()), p.errors());
        }
        return png(run, "Throughput seen by the load — " + run.experiment(), "per second", List.of(req, err));
    }

    /** Server-side time series (from Prometheus range queries) of the given measures, or null when there are none. */
    public static byte[] server(RunResult run, String title, String axis, List<String> measures) throws IOException {
        List<XYSeries> series = new java.util.ArrayList<>();
        for (String m : measures) {
            List<double[]> points = run.serverSeries().get(m);
            if (points == null || points.isEmpty()) {
                continue;
            }
            XYSeries s = new XYSeries(m);
            for (double[] p : points) {
                s.add(x(run, (long) p[0]), p[1]);
            }
            series.add(s);
        }
        return series.isEmpty() ? null : png(run, title + " — " + run.experiment(), axis, series);
    }

    /** A server-side panel: its title, y axis and the measures drawn. */
    public record Panel(String title, String axis, List<String> measures) {
    }

    public static final List<Panel> SERVER_PANELS = List.of(
            new Panel("Server request rate", "requests/s", List.of("proxy.requestRate", "wordgame.requestRate")),
            new Panel("Server p99 latency", "ms", List.of("proxy.p99", "wordgame.p99")),
            new Panel("Server error ratio (5xx)", "ratio", List.of("proxy.errorRatio", "wordgame.errorRatio")),
            new Panel("CPU seconds per request", "CPU s", List.of("proxy.cpuPerRequest", "wordgame.cpuPerRequest")),
            new Panel("Proxy breaker open", "0/1", List.of("proxy.breakerOpen")),
            new Panel("TLS handshakes", "handshakes/s", List.of("wordgame.handshakeRate")),
            new Panel("Server CPU", "cores", List.of("wordgame.cpuUsage", "proxy.cpuUsage")));

    private static double x(RunResult run, long epochMillis) {
        return (epochMillis - run.startMillis()) / 1000.0;
    }

    private static byte[] png(RunResult run, String title, String yLabel, List<XYSeries> series) throws IOException {
        XYSeriesCollection data = new XYSeriesCollection();
        series.forEach(data::addSeries);
        NumberAxis xAxis = new NumberAxis("seconds since the first phase");
        NumberAxis yAxis = new NumberAxis(yLabel);
        yAxis.setAutoRangeIncludesZero(true);
        XYLineAndShapeRenderer renderer = new XYLineAndShapeRenderer(true, false);
        for (int i = 0; i < series.size(); i++) {
            renderer.setSeriesPaint(i, LINES[i % LINES.length]);
            renderer.setSeriesStroke(i, new BasicStroke(1.8f));
        }
        XYPlot plot = new XYPlot(data, xAxis, yAxis, renderer);
        plot.setBackgroundPaint(Color.WHITE);
        plot.setDomainGridlinePaint(Color.LIGHT_GRAY);
        plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
        for (RunResult.Phase p : run.phases()) {
            double start = x(run, p.startMillis());
            if (!p.faults().isEmpty()) {
                IntervalMarker m = new IntervalMarker(start, x(run, p.endMillis()), FAULT);
                plot.addDomainMarker(m, Layer.BACKGROUND);
            }
            ValueMarker boundary = new ValueMarker(start, Color.GRAY, new BasicStroke(1f));
            boundary.setLabel(p.name() + (p.faults().isEmpty() ? "" : " (fault)"));
            boundary.setLabelFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
            boundary.setLabelAnchor(RectangleAnchor.TOP_RIGHT);
            boundary.setLabelTextAnchor(TextAnchor.TOP_LEFT);
            plot.addDomainMarker(boundary);
        }
        JFreeChart chart = new JFreeChart(title, new Font(Font.SANS_SERIF, Font.BOLD, 14), plot, true);
        chart.setBackgroundPaint(Color.WHITE);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ChartUtils.writeChartAsPNG(out, chart, WIDTH, HEIGHT);
        return out.toByteArray();
    }
}
