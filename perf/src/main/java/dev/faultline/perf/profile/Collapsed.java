package dev.faultline.perf.profile;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A profile as collapsed stacks ({@code root;child;leaf count} per line): per frame, the samples in which it is on
 * the stack (inclusive) and at the top (self).
 */
public final class Collapsed {
    private final Map<String, Long> inclusive = new HashMap<>();
    private final Map<String, Long> self = new HashMap<>();
    private final Map<String, Long> stacks = new HashMap<>();
    private long total;

    /** Parses collapsed stacks; a line that is not {@code stack count} is an error naming the line. */
    public static Collapsed parse(Path file) throws IOException {
        Collapsed c = new Collapsed();
        try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String line;
            int n = 0;
            while ((line = r.readLine()) != null) {
                n++;
                if (line.isBlank()) {
                    continue;
                }
                int space = line.lastIndexOf(' ');
                long count;
                try {
                    count = Long.parseLong(line.substring(space + 1).strip());
                } catch (NumberFormatException | IndexOutOfBoundsException e) {
                    throw new IOException(file + ":" + n + ": not collapsed stacks (\"stack count\")");
                }
                c.add(space < 0 ? "" : line.substring(0, space), count);
            }
        }
        return c;
    }

    /** Parses collapsed stacks from text (tests and fixtures). */
    public static Collapsed of(String text) {
        Collapsed c = new Collapsed();
        for (String line : text.split("\\R")) {
            if (!line.isBlank()) {
                int space = line.lastIndexOf(' ');
                c.add(line.substring(0, space), Long.parseLong(line.substring(space + 1).strip()));
            }
        }
        return c;
    }

    private void add(String stack, long count) {
        String[] frames = stack.split(";");
        Set<String> seen = new HashSet<>();
        for (String f : frames) {
            if (seen.add(f)) {
                inclusive.merge(f, count, Long::sum);
            }
        }
        self.merge(frames[frames.length - 1], count, Long::sum);
        stacks.merge(stack, count, Long::sum);
        total += count;
    }

    public long total() {
        return total;
    }

    /** Share (0..1) of samples with {@code frame} anywhere on the stack. */
    public double inclusiveShare(String frame) {
        return total == 0 ? 0 : inclusive.getOrDefault(frame, 0L) / (double) total;
    }

    /** Share (0..1) of samples with {@code frame} on top of the stack. */
    public double selfShare(String frame) {
        return total == 0 ? 0 : self.getOrDefault(frame, 0L) / (double) total;
    }

    /** Share (0..1) of samples with at least one frame matching {@code regex} on the stack. */
    public double shareMatching(java.util.regex.Pattern regex) {
        if (total == 0) {
            return 0;
        }
        long n = 0;
        for (Map.Entry<String, Long> e : stacks.entrySet()) {
            for (String f : e.getKey().split(";")) {
                if (regex.matcher(f).find()) {
                    n += e.getValue();
                    break;
                }
            }
        }
        return n / (double) total;
    }

    /** One frame's share in the baseline and in the phase. */
    public record FrameChange(String frame, double baselineSelf, double phaseSelf, double baselineTotal,
                              double phaseTotal) {
        public double selfDelta() {
            return phaseSelf - baselineSelf;
        }

        public double totalDelta() {
            return phaseTotal - baselineTotal;
        }
    }

    /**
     * The frames whose share of the samples grew most from {@code baseline} to {@code phase}: ranked by the growth
     * of their self share (the frames doing the new work), then of their inclusive share; at most {@code limit}.
     */
    public static List<FrameChange> grewMost(Collapsed baseline, Collapsed phase, int limit) {
        Set<String> frames = new HashSet<>(phase.inclusive.keySet());
        frames.addAll(baseline.inclusive.keySet());
        List<FrameChange> changes = new ArrayList<>();
        for (String f : frames) {
            FrameChange c = new FrameChange(f, baseline.selfShare(f), phase.selfShare(f), baseline.inclusiveShare(f),
                    phase.inclusiveShare(f));
            if (c.selfDelta() > 0 || c.totalDelta() > 0) {
                changes.add(c);
            }
        }
        changes.sort(Comparator.comparingDouble(FrameChange::selfDelta).reversed()
                .thenComparing(Comparator.comparingDouble(FrameChange::totalDelta).reversed())
                .thenComparing(FrameChange::frame));
        return changes.subList(0, Math.min(limit, changes.size()));
    }
}
