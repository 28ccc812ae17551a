package dev.faultline.runtime.process;

/** For {@link OrphanWatchTest}: watches its parent, says so, and waits (at most 2 minutes). */
public final class WatchingFixture {
    private WatchingFixture() {
    }

    public static void main(String[] args) throws Exception {
        OrphanWatch.exitWhenOrphaned(3, System.out::println);
        System.out.println("watching");
        System.out.flush();
        Thread.sleep(120_000);
    }
}
