package dev.postern.soak;

import java.util.ArrayList;
import java.util.List;
import java.util.function.ToLongFunction;

/**
 * The end of a soak: growth of heap, direct memory, Netty's buffers and descriptors from the first quarter of the
 * samples to the last (mean against mean, with an allowance for noise), the messages' fate after a last check on a
 * healthy network, the idle sessions still answering, and Postern back to zero sessions once every client left.
 */
record SoakVerdict(List<String> findings, List<String> figures) {
    private static final long MIB = 1024 * 1024;

    /** What the run measured, besides the samples. */
    record Outcome(long logins, long appended, long verified, long lost, long corrupt, int idleOpened,
            int idleAlive, long sessionsAfter, long connectionsAfter) {
    }

    static SoakVerdict judge(List<SoakSample> samples, Outcome outcome) {
        List<String> findings = new ArrayList<>();
        List<String> figures = new ArrayList<>();
        int quarter = Math.max(1, samples.size() / 4);
        List<SoakSample> first = samples.subList(0, quarter);
        List<SoakSample> last = samples.subList(samples.size() - quarter, samples.size());
        growth("heap after GC", first, last, SoakSample::heapBytes, 1.25, 16 * MIB, findings, figures);
        growth("direct memory", first, last, SoakSample::directBytes, 1.25, 16 * MIB, findings, figures);
        growth("Netty direct buffers", first, last, SoakSample::nettyBytes, 1.25, 32 * MIB, findings, figures);
        growth("open descriptors", first, last, SoakSample::descriptors, 1.02, 64, findings, figures);
        figures.add(String.format("logins %d, messages appended %d, checked by checksum %d, lost %d, corrupt %d",
                outcome.logins(), outcome.appended(), outcome.verified(), outcome.lost(), outcome.corrupt()));
        figures.add(String.format("idle sessions %d opened, %d alive at the end; after every client left: "
                + "%d sessions, %d connections", outcome.idleOpened(), outcome.idleAlive(), outcome.sessionsAfter(),
                outcome.connectionsAfter()));
        if (outcome.lost() > 0 || outcome.corrupt() > 0) {
            findings.add(outcome.lost() + " acknowledged message(s) lost, " + outcome.corrupt() + " corrupt");
        }
        if (outcome.verified() == 0 || outcome.logins() == 0) {
            findings.add("the churn did no work: " + outcome.logins() + " logins, " + outcome.verified() + " checked");
        }
        if (outcome.idleAlive() != outcome.idleOpened()) {
            findings.add((outcome.idleOpened() - outcome.idleAlive()) + " idle session(s) lost");
        }
        if (outcome.sessionsAfter() != 0 || outcome.connectionsAfter() != 0) {
            findings.add("left open after every client left: " + outcome.sessionsAfter() + " sessions, "
                    + outcome.connectionsAfter() + " connections");
        }
        return new SoakVerdict(List.copyOf(findings), List.copyOf(figures));
    }

    private static void growth(String what, List<SoakSample> first, List<SoakSample> last,
            ToLongFunction<SoakSample> figure, double factor, long allowance, List<String> findings,
            List<String> figures) {
        double before = first.stream().mapToLong(figure).average().orElse(0);
        double after = last.stream().mapToLong(figure).average().orElse(0);
        double limit = before * factor + allowance;
        String unit = allowance >= MIB ? " MiB" : "";
        double scale = allowance >= MIB ? MIB : 1;
        figures.add(String.format("%s: first quarter %.1f%s, last quarter %.1f%s (limit %.1f%s)", what,
                before / scale, unit, after / scale, unit, limit / scale, unit));
        if (after > limit) {
            findings.add(what + " grew: " + String.format("%.1f%s to %.1f%s", before / scale, unit, after / scale,
                    unit));
        }
    }

    boolean clean() {
        return findings.isEmpty();
    }

    String text() {
        StringBuilder out = new StringBuilder();
        figures.forEach(f -> out.append("  ").append(f).append('\n'));
        out.append(clean() ? "VERDICT: clean" : "VERDICT: NOT clean").append('\n');
        findings.forEach(f -> out.append("  - ").append(f).append('\n'));
        return out.toString();
    }
}
