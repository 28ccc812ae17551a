package dev.faultline.reports;

import java.nio.file.Path;
import java.util.List;

/** The report as data, independent of Allure's classes: test cases with steps, parameters and attachments. */
public final class ReportModel {
    private ReportModel() {
    }

    public enum Status { PASSED, FAILED, BROKEN, SKIPPED }

    /** An attachment: a file already on disk, or bytes made for the report (charts, tables). */
    public record Attachment(String name, String mime, String extension, Path file, byte[] bytes) {
        public static Attachment file(String name, String mime, Path file) {
            String n = file.getFileName().toString();
            return new Attachment(name, mime, n.substring(n.lastIndexOf('.') + 1), file, null);
        }

        public static Attachment bytes(String name, String mime, String extension, byte[] bytes) {
            return new Attachment(name, mime, extension, null, bytes);
        }

        /** A stable key: the same file or the same bytes are written once and shared. */
        Object key() {
            return file != null ? file.toAbsolutePath().normalize() : java.util.Arrays.hashCode(bytes) + ":" + name;
        }
    }

    public record Parameter(String name, String value) {
    }

    public record Step(String name, Status status, List<Parameter> parameters, List<Attachment> attachments) {
    }

    public record Link(String name, String url) {
    }

    /** One test in the report; {@code labels} are name/value pairs (suite, feature, story, tag...). */
    public record Case(String name, String fullName, String historyId, Status status, String message, long start,
                       long stop, List<Parameter> labels, List<Parameter> parameters, String descriptionHtml,
                       List<Step> steps, List<Attachment> attachments, List<Link> links) {
    }
}
