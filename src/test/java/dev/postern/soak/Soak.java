package dev.postern.soak;

import static org.awaitility.Awaitility.await;

import dev.postern.testing.PrometheusPage;
import java.io.PrintStream;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The soak tool of issue 12: {@code deploy/bench/soak.sh [minutes (20)] [idle sessions (8000)] [churn workers (8)]}.
 * Holds the idle sessions, runs the churn through the toxic schedule, prints a {@link SoakSample} line every report
 * interval and ends with a {@link SoakVerdict}; exit status 0 only for a clean one. {@code SoakIT} runs a small one
 * in the default suite. Everything listens on loopback and stops by itself.
 */
public final class Soak {
    private Soak() {
    }

    public static void main(String[] args) throws Exception {
        SoakVerdict verdict = run(SoakPlan.fromArgs(args), System.out);
        System.exit(verdict.clean() ? 0 : 1);
    }

    static SoakVerdict run(SoakPlan plan, PrintStream out) throws Exception {
        out.printf("Postern soak: %s, %d idle sessions, %d churn workers, reports every %d s, toxics change every "
                        + "%d s; %d cores, Java %s%n", plan.duration(), plan.idleSessions(), plan.churnWorkers(),
                plan.reportEvery().toSeconds(), plan.toxicSlot().toSeconds(),
                Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"));
        try (SoakRig rig = SoakRig.start(plan)) {
            SoakTally tally = new SoakTally();
            List<ChurnWorker> workers = new ArrayList<>();
            for (int i = 0; i < plan.churnWorkers(); i++) {
                ChurnWorker worker = new ChurnWorker("churn" + i, SoakRig.PASSWORD, "127.0.0.1",
                        rig.clientLegPort(), tally, 1000L + i);
                worker.seed(rig.dovecot.host(), rig.dovecot.port());
                workers.add(worker);
            }
            long opening = System.nanoTime();
            try (IdleFleet fleet = IdleFleet.open(plan.idleSessions(), "127.0.0.1", rig.tlsPort,
                    i -> "idle" + (i % plan.idleUsers()), SoakRig.PASSWORD)) {
                out.printf("%d idle sessions logged in over TLS in %.1f s; churn starts%n", fleet.size(),
                        (System.nanoTime() - opening) / 1e9);
                List<SoakSample> samples = churn(plan, rig, workers, tally, out);
                int verifyFailures = verifyAll(workers);
                int alive = fleet.alive();
                long logins = tally.logins();
                fleet.close();
                PrometheusPage after = settled(rig);
                if (verifyFailures > 0) {
                    tally.error("final_check_failed");
                }
                out.println("errors over the run: " + tally.errorTotals());
                SoakVerdict verdict = SoakVerdict.judge(samples, new SoakVerdict.Outcome(logins,
                        tally.appendedCount(), tally.verifiedCount(), tally.lostCount(), tally.corruptCount(),
                        plan.idleSessions(), alive, (long) after.sum("postern_relay_active"),
                        (long) after.sum("postern_connections_active")));
                if (verifyFailures > 0) {
                    verdict = withFinding(verdict, verifyFailures
                            + " churn user(s) could not be checked at the end on a healthy network");
                }
                if (Files.readString(rig.postern.log()).contains(SoakRig.PASSWORD)) {
                    verdict = withFinding(verdict, "a password in Postern's log " + rig.postern.log());
                }
                out.print(verdict.text());
                return verdict;
            }
        }
    }

    private static List<SoakSample> churn(SoakPlan plan, SoakRig rig, List<ChurnWorker> workers, SoakTally tally,
            PrintStream out) throws Exception {
        ToxicSchedule schedule = new ToxicSchedule(rig.clientLeg, rig.backendLeg);
        List<Thread> threads = new ArrayList<>();
        for (ChurnWorker worker : workers) {
            Thread thread = new Thread(worker, "soak-" + worker.user());
            thread.start();
            threads.add(thread);
        }
        List<SoakSample> samples = new ArrayList<>();
        out.println(SoakSample.HEADER);
        long start = System.nanoTime();
        long end = start + plan.duration().toNanos();
        long lastReport = start;
        int slot = 0;
        String toxics = schedule.apply(slot);
        String toxicsSinceReport = toxics;
        try {
            while (System.nanoTime() < end) {
                long now = System.nanoTime();
                long nextSlot = start + (slot + 1) * plan.toxicSlot().toNanos();
                long nextReport = lastReport + plan.reportEvery().toNanos();
                Thread.sleep(Math.max(1, (Math.min(Math.min(nextSlot, nextReport), end) - now) / 1_000_000));
                now = System.nanoTime();
                if (now >= nextSlot && now < end) {
                    toxics = schedule.apply(++slot);
                    toxicsSinceReport = toxicsSinceReport + "," + toxics;
                }
                if (now >= nextReport) {
                    SoakSample sample = SoakSample.take(rig.postern, (now - start) / 1_000_000_000L,
                            tally.interval(), (now - lastReport) / 1e9, toxicsSinceReport);
                    samples.add(sample);
                    out.println(sample.line());
                    lastReport = now;
                    toxicsSinceReport = toxics;
                }
            }
        } finally {
            schedule.clear();
            workers.forEach(ChurnWorker::stop);
            for (Thread thread : threads) {
                thread.join(Duration.ofSeconds(60).toMillis());
            }
        }
        return samples;
    }

    /** Each churn user's last session on a healthy network checks all it was promised; a few tries each. */
    private static int verifyAll(List<ChurnWorker> workers) {
        int failures = 0;
        for (ChurnWorker worker : workers) {
            boolean done = false;
            for (int attempt = 0; attempt < 5 && !done; attempt++) {
                done = worker.verifyAll();
            }
            failures += done ? 0 : 1;
        }
        return failures;
    }

    /** Postern's page once its sessions and connections are back to zero (or after 15 s). */
    private static PrometheusPage settled(SoakRig rig) throws Exception {
        try {
            await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(200)).until(() -> {
                PrometheusPage page = rig.postern.metrics();
                return page.sum("postern_relay_active") == 0 && page.sum("postern_connections_active") == 0;
            });
        } catch (org.awaitility.core.ConditionTimeoutException stillOpen) {
            // reported by the verdict from the page below
        }
        return rig.postern.metrics();
    }

    private static SoakVerdict withFinding(SoakVerdict verdict, String finding) {
        List<String> findings = new ArrayList<>(verdict.findings());
        findings.add(finding);
        return new SoakVerdict(List.copyOf(findings), verdict.figures());
    }
}
