package dev.faultline.harness.stack;

import dev.faultline.runtime.process.ParentBound;
import dev.faultline.runtime.process.PidFiles;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A system under test as its own JVM ({@code java -jar …}), its output kept in a log file. {@link #awaitHealthy}
 * polls a URL until it answers 200 or a deadline passes; {@link #close()} sends SIGTERM, waits, then kills — the
 * process and everything it started. The child is bound to this JVM's life ({@link ParentBound}): it dies with it
 * even when this JVM is killed with SIGKILL; {@link #recordPid} also writes it down for a later run to find.
 */
public final class ChildProcess implements AutoCloseable {
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(1)).build();

    private final String name;
    private final Process process;
    private final Path log;
    private volatile Path pidRunDir;

    private ChildProcess(String name, Process process, Path log) {
        this.name = name;
        this.process = process;
        this.log = log;
    }

    /** Starts {@code java [jvmArgs] -jar jar args…} with stdout and stderr in {@code log}. */
    public static ChildProcess startJar(String name, Path jar, List<String> jvmArgs, List<String> args, Path log)
            throws IOException {
        if (!jar.toFile().isFile()) {
            throw new IOException(name + ": " + jar + " does not exist; build it first (./mvnw -q package -DskipTests)");
        }
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvmArgs);
        command.add("-jar");
        command.add(jar.toString());
        command.addAll(args);
        java.nio.file.Files.createDirectories(log.getParent());
        Process p = ParentBound.start(new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())));
        return new ChildProcess(name, p, log);
    }

    /** Waits until {@code url} answers 200; fails with the log's path if the process dies or the deadline passes. */
    public void awaitHealthy(String url, Duration deadline) throws IOException {
        long end = System.nanoTime() + deadline.toNanos();
        while (System.nanoTime() < end) {
            if (!process.isAlive()) {
                throw new IOException(name + " exited with status " + process.exitValue() + " before it was healthy; see "
                        + log);
            }
            try {
                HttpResponse<Void> r = HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(1))
                        .build(), HttpResponse.BodyHandlers.discarding());
                if (r.statusCode() == 200) {
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while waiting for " + name);
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while waiting for " + name);
            }
        }
        throw new IOException(name + " was not healthy at " + url + " within " + deadline.toSeconds() + " s; see " + log);
    }

    /**
     * Waits until the process has written {@code file} (e.g. the ports it got, with {@code --port-file}) and returns
     * its contents; fails with the log's last lines if the process dies or the deadline passes.
     */
    public String awaitFile(Path file, Duration deadline) throws IOException {
        long end = System.nanoTime() + deadline.toNanos();
        while (System.nanoTime() < end) {
            if (java.nio.file.Files.isRegularFile(file)) {
                return java.nio.file.Files.readString(file);
            }
            if (!process.isAlive()) {
                throw new IOException(name + " exited with status " + process.exitValue() + " before it was listening"
                        + lastLines());
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while waiting for " + name);
            }
        }
        throw new IOException(name + " did not write " + file.getFileName() + " within " + deadline.toSeconds() + " s"
                + lastLines());
    }

    /** The log's last lines, for an error message. */
    private String lastLines() {
        try {
            List<String> lines = java.nio.file.Files.readAllLines(log);
            return "; last lines of " + log + ":\n  " + String.join("\n  ",
                    lines.subList(Math.max(0, lines.size() - 5), lines.size()));
        } catch (IOException e) {
            return "; see " + log;
        }
    }

    public String name() {
        return name;
    }

    public long pid() {
        return process.pid();
    }

    public boolean alive() {
        return process.isAlive();
    }

    public Path log() {
        return log;
    }

    /** Writes this child's pid file into {@code runDir} ({@link PidFiles}); {@link #close()} removes it. */
    public ChildProcess recordPid(Path runDir) throws IOException {
        PidFiles.write(runDir, name, process.toHandle());
        pidRunDir = runDir;
        return this;
    }

    /** SIGTERM (graceful), up to 10 s, then SIGKILL; descendants too. Safe to call more than once. */
    @Override
    public void close() {
        ParentBound.stop(process, 10);
        Path runDir = pidRunDir;
        if (runDir != null) {
            PidFiles.remove(runDir, name);
        }
    }
}
