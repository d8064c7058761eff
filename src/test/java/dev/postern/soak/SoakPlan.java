package dev.postern.soak;

import java.time.Duration;

/**
 * What one soak run does: how long the churn runs, how many logged-in idle sessions it holds meanwhile, how many
 * churn workers (each its own user and mailbox) log in and out without pause, how often it reports, and how long
 * each toxic of the schedule stays on.
 */
record SoakPlan(Duration duration, int idleSessions, int churnWorkers, Duration reportEvery, Duration toxicSlot) {

    /** Idle sessions per user: well under Postern's and Dovecot's per-user caps the soak sets. */
    static final int IDLE_SESSIONS_PER_USER = 40;

    SoakPlan {
        if (duration.compareTo(reportEvery.multipliedBy(4)) < 0) {
            throw new IllegalArgumentException("a soak of " + duration + " is under four reports of " + reportEvery
                    + ": no first and last quarter to compare");
        }
        if (idleSessions < 0 || churnWorkers < 1) {
            throw new IllegalArgumentException("idle sessions >= 0 and churn workers >= 1");
        }
    }

    /** {@code deploy/bench/soak.sh [minutes (20)] [idle sessions (8000)] [churn workers (8)]}. */
    static SoakPlan fromArgs(String[] args) {
        int minutes = args.length > 0 ? Integer.parseInt(args[0]) : 20;
        int idle = args.length > 1 ? Integer.parseInt(args[1]) : 8000;
        int workers = args.length > 2 ? Integer.parseInt(args[2]) : 8;
        return new SoakPlan(Duration.ofMinutes(minutes), idle, workers, Duration.ofSeconds(30),
                Duration.ofSeconds(30));
    }

    /** The default suite's minute: the same run, small. */
    static SoakPlan small() {
        return new SoakPlan(Duration.ofSeconds(60), 300, 4, Duration.ofSeconds(10), Duration.ofSeconds(8));
    }

    int idleUsers() {
        return Math.max(1, (idleSessions + IDLE_SESSIONS_PER_USER - 1) / IDLE_SESSIONS_PER_USER);
    }
}
