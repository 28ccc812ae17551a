package dev.faultline.runtime.process;

import java.util.List;

/**
 * A parent for {@link ParentBoundTest}: starts {@code sleep 600} (bound to it with {@code bound}, plainly
 * otherwise), prints the child's pid and waits to be killed.
 */
public final class ParentFixture {
    private ParentFixture() {
    }

    public static void main(String[] args) throws Exception {
        boolean bound = args.length > 0 && args[0].equals("bound");
        ProcessBuilder b = new ProcessBuilder(List.of("sleep", "600"));
        Process child = bound ? ParentBound.start(b) : b.start();
        System.out.println("child " + child.pid());
        System.out.flush();
        Thread.sleep(600_000);
    }
}
