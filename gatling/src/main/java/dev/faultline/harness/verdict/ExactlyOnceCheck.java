package dev.faultline.harness.verdict;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The exactly-once check of one phase: for each kind of request, what the server counted as applied between the
 * phase's two boundary reads against what the load sent in that time ({@link Ledger#between}). A surplus (applied
 * more often than anything sent explains: a request applied twice) or a loss (fewer than the answered requests
 * prove) fails it. Pure.
 */
public final class ExactlyOnceCheck {
    private ExactlyOnceCheck() {
    }

    /** One kind's count in a phase: the server's increase and the bounds the load side explains. */
    public record Count(String kind, long applied, Ledger.Bounds bounds) {
        long surplus() {
            return Math.max(0, applied - bounds.may());
        }

        long lost() {
            return Math.max(0, bounds.must() - applied);
        }
    }

    /** The counts of a phase, or why there are none. */
    public interface Source {
        List<Count> counts(String phase) throws java.io.IOException;
    }

    /** The server's increase between two reads; throws when the counter went down (the server restarted). */
    public static long increase(Ledger.Read from, Ledger.Read to, String kind) throws java.io.IOException {
        double d = to.value() - from.value();
        if (d < 0) {
            throw new java.io.IOException("the server's " + kind + " counter went down (it restarted)");
        }
        return Math.round(d);
    }

    static Verdict judge(String phase, String hypothesis, long requests, Source source) {
        List<Count> counts;
        try {
            counts = source.counts(phase);
        } catch (java.io.IOException | RuntimeException e) {
            return new Verdict(phase, hypothesis, "surplus 0, lost 0", "not judged", requests, false, e.getMessage());
        }
        List<String> measured = new ArrayList<>();
        boolean ok = true;
        for (Count c : counts) {
            if (c.surplus() > 0) {
                ok = false;
                measured.add(String.format(Locale.ROOT, "%s: surplus %d (%d applied, at most %d sent)", c.kind(),
                        c.surplus(), c.applied(), c.bounds().may()));
            } else if (c.lost() > 0) {
                ok = false;
                measured.add(String.format(Locale.ROOT, "%s: lost %d (%d applied, %d answered 200)", c.kind(),
                        c.lost(), c.applied(), c.bounds().must()));
            } else {
                measured.add(String.format(Locale.ROOT, "%s: %d applied (%d..%d)", c.kind(), c.applied(),
                        c.bounds().must(), c.bounds().may()));
            }
        }
        return new Verdict(phase, hypothesis, "surplus 0, lost 0", String.join("; ", measured), requests, ok);
    }
}
