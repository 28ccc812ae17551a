package dev.faultline.runtime.process;

import java.util.Optional;
import java.util.function.Consumer;

/**
 * Ends this JVM when the process that started it is gone: a harness JVM forked by Maven (the Gatling plugin's
 * fork) otherwise runs on for minutes, with its children, after Maven is killed. Polls the parent every
 * {@value #POLL_MILLIS} ms from a daemon thread; when the parent has ended (or this process was re-parented), says
 * so and calls {@link System#exit}, so shutdown hooks stop what the JVM started.
 */
public final class OrphanWatch {
    static final long POLL_MILLIS = 500;

    private OrphanWatch() {
    }

    /** Starts watching (once per JVM); {@code say} gets the one line printed before exiting with {@code status}. */
    public static synchronized void exitWhenOrphaned(int status, Consumer<String> say) {
        if (started) {
            return;
        }
        Optional<ProcessHandle> parent = ProcessHandle.current().parent();
        if (parent.isEmpty()) {
            return;
        }
        ProcessHandle p = parent.get();
        started = true;
        Thread t = new Thread(() -> {
            while (true) {
                try {
                    Thread.sleep(POLL_MILLIS);
                } catch (InterruptedException e) {
                    return;
                }
                if (orphaned(p, ProcessHandle.current().parent())) {
                    say.accept("the process that started this run (pid " + p.pid() + ") is gone; stopping");
                    System.exit(status);
                }
            }
        }, "orphan-watch");
        t.setDaemon(true);
        t.start();
    }

    private static boolean started;

    /** Whether {@code original} ended or this process now has another parent. */
    static boolean orphaned(ProcessHandle original, Optional<ProcessHandle> now) {
        return !original.isAlive() || now.map(h -> h.pid() != original.pid()).orElse(true);
    }
}
