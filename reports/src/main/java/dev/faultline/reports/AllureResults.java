package dev.faultline.reports;

import dev.faultline.reports.ReportModel.Attachment;
import dev.faultline.reports.ReportModel.Case;
import io.qameta.allure.FileSystemResultsWriter;
import io.qameta.allure.model.Label;
import io.qameta.allure.model.Link;
import io.qameta.allure.model.Parameter;
import io.qameta.allure.model.Stage;
import io.qameta.allure.model.Status;
import io.qameta.allure.model.StatusDetails;
import io.qameta.allure.model.StepResult;
import io.qameta.allure.model.TestResult;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Writes report cases as Allure results with allure-java-commons' {@link FileSystemResultsWriter}: one result file
 * per case, each attachment written once and shared by every case that shows it, plus
 * {@code environment.properties}, {@code executor.json} and {@code categories.json}.
 */
public final class AllureResults {
    private final FileSystemResultsWriter writer;
    private final Path dir;
    private final Map<Object, String> written = new HashMap<>();

    public AllureResults(Path resultsDir) throws IOException {
        Files.createDirectories(resultsDir);
        this.dir = resultsDir;
        this.writer = new FileSystemResultsWriter(resultsDir);
    }

    public void write(Case c) throws IOException {
        TestResult r = new TestResult().setUuid(UUID.randomUUID().toString()).setName(c.name())
                .setFullName(c.fullName()).setHistoryId(Integer.toHexString(c.historyId().hashCode()))
                .setTestCaseId(Integer.toHexString(c.historyId().hashCode()))
                .setStatus(status(c.status())).setStage(Stage.FINISHED).setStart(c.start()).setStop(c.stop())
                .setDescriptionHtml(c.descriptionHtml());
        if (c.message() != null) {
            r.setStatusDetails(new StatusDetails().setMessage(c.message()));
        }
        List<Label> labels = new ArrayList<>();
        c.labels().forEach(l -> labels.add(new Label().setName(l.name()).setValue(l.value())));
        r.setLabels(labels);
        r.setParameters(params(c.parameters()));
        List<Link> links = new ArrayList<>();
        c.links().forEach(l -> links.add(new Link().setName(l.name()).setUrl(l.url()).setType("link")));
        r.setLinks(links);
        List<StepResult> steps = new ArrayList<>();
        for (ReportModel.Step s : c.steps()) {
            StepResult step = new StepResult().setName(s.name()).setStatus(status(s.status())).setStage(Stage.FINISHED)
                    .setStart(c.start()).setStop(c.stop()).setParameters(params(s.parameters()));
            List<io.qameta.allure.model.Attachment> a = new ArrayList<>();
            for (Attachment x : s.attachments()) {
                a.add(attachment(x));
            }
            step.setAttachments(a);
            steps.add(step);
        }
        r.setSteps(steps);
        List<io.qameta.allure.model.Attachment> attachments = new ArrayList<>();
        for (Attachment x : c.attachments()) {
            attachments.add(attachment(x));
        }
        r.setAttachments(attachments);
        writer.write(r);
    }

    private io.qameta.allure.model.Attachment attachment(Attachment a) throws IOException {
        String source = written.get(a.key());
        if (source == null) {
            source = UUID.randomUUID() + "-attachment." + a.extension();
            try (InputStream in = a.file() != null ? Files.newInputStream(a.file()) : new ByteArrayInputStream(a.bytes())) {
                writer.write(source, in);
            }
            written.put(a.key(), source);
        }
        return new io.qameta.allure.model.Attachment().setName(a.name()).setType(a.mime()).setSource(source);
    }

    private static List<Parameter> params(List<ReportModel.Parameter> ps) {
        List<Parameter> out = new ArrayList<>();
        ps.forEach(p -> out.add(new Parameter().setName(p.name()).setValue(p.value())));
        return out;
    }

    private static Status status(ReportModel.Status s) {
        return switch (s) {
            case PASSED -> Status.PASSED;
            case FAILED -> Status.FAILED;
            case BROKEN -> Status.BROKEN;
            case SKIPPED -> Status.SKIPPED;
        };
    }

    /** {@code environment.properties}: one {@code key = value} per line. */
    public void environment(Map<String, String> env) throws IOException {
        StringBuilder sb = new StringBuilder();
        env.forEach((k, v) -> sb.append(k.replace(' ', '_')).append(" = ")
                .append(v.replace("\\", "\\\\").replace("\n", " ")).append('\n'));
        Files.writeString(dir.resolve("environment.properties"), sb.toString(), StandardCharsets.UTF_8);
    }

    /** {@code executor.json}: who ran it (CI or a machine), the build's name and order for trends. */
    public void executor(String name, String type, String buildName, long buildOrder, String reportName)
            throws IOException {
        Files.writeString(dir.resolve("executor.json"), new JsonObject().put("name", name).put("type", type)
                .put("buildName", buildName).put("buildOrder", buildOrder).put("reportName", reportName)
                .encodePrettily());
    }

    /** {@code categories.json}: a failed hypothesis is an SLO breach; a broken one a harness failure. */
    public void categories() throws IOException {
        JsonArray c = new JsonArray()
                .add(new JsonObject().put("name", "SLO breach").put("description",
                        "a steady-state hypothesis was measured outside its bound").put("matchedStatuses",
                        new JsonArray().add("failed")))
                .add(new JsonObject().put("name", "Harness failure").put("description",
                        "the harness could not judge (no data source, a fault that could not be applied, a process"
                                + " that died)").put("matchedStatuses", new JsonArray().add("broken")))
                .add(new JsonObject().put("name", "Not judged").put("description",
                        "the load generator fell behind its schedule (saturated): the phase's numbers describe the"
                                + " machine, not the system").put("matchedStatuses", new JsonArray().add("skipped")));
        Files.writeString(dir.resolve("categories.json"), c.encodePrettily());
    }
}
