package dev.faultline.runtime.process;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Starts a child process that dies with its parent, however the parent ends — even by {@code kill -9}, which runs no
 * shutdown hook.
 *
 * <p>The command runs under a small POSIX shell prelude that forks a watcher and then {@code exec}s the command, so
 * the child keeps the shell's PID (profilers and {@code /proc} readers see the real process). The watcher reads the
 * child's standard input, a pipe whose only writing end the parent holds and never writes to. When the parent dies,
 * the kernel closes that end; the watcher reads end-of-file, sends the child SIGTERM, and SIGKILL if it is still
 * there {@value #GRACE_SECONDS} s later. While the parent lives, the watcher waits; {@link #stop} ends both.
 */
public final class ParentBound {
    /** How long a child gets between SIGTERM and SIGKILL once its parent is gone. */
    public static final int GRACE_SECONDS = 15;

    private static final String PRELUDE = String.join("\n",
            "p=$$",
            "exec 3<&0",
            "( cat <&3 >/dev/null 2>&1",
            "  kill -TERM \"$p\" 2>/dev/null || exit 0",
            "  n=0",
            "  while [ \"$n\" -lt " + GRACE_SECONDS + " ] && kill -0 \"$p\" 2>/dev/null; do sleep 1; n=$((n+1)); done",
            "  kill -KILL \"$p\" 2>/dev/null",
            ") </dev/null >/dev/null 2>&1 &",
            "exec 3<&-",
            "exec \"$@\"");

    private ParentBound() {
    }

    /** {@code command} wrapped so that it dies with this JVM; start it with standard input left as a pipe. */
    public static List<String> command(List<String> command) {
        if (command.isEmpty()) {
            throw new IllegalArgumentException("empty command");
        }
        List<String> out = new ArrayList<>(List.of("/bin/sh", "-c", PRELUDE, "faultline-child"));
        out.addAll(command);
        return out;
    }

    /**
     * Starts {@code builder}'s command bound to this JVM's life. Its standard input must be the default pipe (the
     * watcher reads it); its output may go anywhere.
     */
    public static Process start(ProcessBuilder builder) throws IOException {
        if (builder.redirectInput() != ProcessBuilder.Redirect.PIPE) {
            throw new IllegalArgumentException("a parent-bound child needs its standard input as a pipe");
        }
        List<String> original = builder.command();
        List<String> wrapped = command(original);
        builder.command(wrapped);
        try {
            return builder.start();
        } finally {
            builder.command(original);
        }
    }

    /**
     * Stops a child started here: SIGTERM, up to {@code graceSeconds}, then SIGKILL; then its watcher and anything
     * else it started. Safe to call more than once.
     */
    public static void stop(Process process, long graceSeconds) {
        List<ProcessHandle> descendants = process.descendants().toList();
        process.destroy();
        try {
            if (!process.waitFor(graceSeconds, java.util.concurrent.TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, java.util.concurrent.TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
        descendants.forEach(ProcessHandle::destroyForcibly);
        try {
            process.getOutputStream().close();
        } catch (IOException e) {
            // the pipe is gone with the child
        }
    }
}
