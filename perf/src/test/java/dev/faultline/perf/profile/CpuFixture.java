package dev.faultline.perf.profile;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;

/**
 * A child JVM for the profiler tests: idles lightly until it reads "hot" on stdin, then burns CPU in
 * {@link #crunchPrimes} until it reads "stop" (or stdin closes). Prints "ready" once started.
 */
public final class CpuFixture {
    static volatile String mode = "light";
    static volatile long sink;

    public static void main(String[] args) throws Exception {
        Thread worker = new Thread(() -> {
            while (!mode.equals("stop")) {
                if (mode.equals("hot")) {
                    sink += crunchPrimes(20_000);
                } else {
                    sink += lightWork();
                    try {
                        Thread.sleep(1);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }
        }, "fixture-worker");
        worker.setDaemon(true);
        worker.start();
        System.out.println("ready");
        System.out.flush();
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        String line;
        while ((line = in.readLine()) != null && !line.equals("stop")) {
            mode = line.strip();
        }
        mode = "stop";
    }

    static long lightWork() {
        return Long.toString(System.nanoTime()).hashCode();
    }

    /** Counts primes below {@code n} by trial division: pure CPU. */
    static long crunchPrimes(int n) {
        long count = 0;
        for (int i = 2; i < n; i++) {
            boolean prime = true;
            for (int d = 2; (long) d * d <= i; d++) {
                if (i % d == 0) {
                    prime = false;
                    break;
                }
            }
            if (prime) {
                count++;
            }
        }
        return count;
    }
}
