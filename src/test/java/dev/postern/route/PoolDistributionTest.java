package dev.postern.route;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.postern.config.HostPort;
import dev.postern.config.PoolConfig;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Issue 3, "Distribution": weighted rendezvous hashing over 100,000 synthetic users. Shares land within ±2
 * percentage points of the weights, adding a backend moves only its fair share and only onto itself, removing
 * one moves only its users, and every Pool (every Postern instance) computes the same order.
 */
class PoolDistributionTest {
    private static final int USERS = 100_000;
    private static final double TOLERANCE = 0.02;

    private static final HostPort A = HostPort.parse("10.0.0.1:143");
    private static final HostPort B = HostPort.parse("10.0.0.2:143");
    private static final HostPort C = HostPort.parse("10.0.0.3:143");
    private static final HostPort D = HostPort.parse("10.0.0.4:143");

    /** C with weight 2; a bare address has weight 1. */
    private static final Map<String, Object> C2 = Map.of("address", C, "weight", 2);

    /** Backends as under {@code pools.main.backends}: addresses, or mappings with a weight. */
    private static Pool pool(Object... backends) {
        return new Pool(PoolConfig.of("main", Map.of("backends", List.of(backends))));
    }

    private static Pool weighted112() {
        return pool(A, B, C2);
    }

    private static String user(int i) {
        return "user" + i + "@example.org";
    }

    /** The first backend of every synthetic user. */
    private static HostPort[] assign(Pool pool) {
        HostPort[] out = new HostPort[USERS];
        for (int i = 0; i < USERS; i++) {
            out[i] = pool.orderFor(user(i)).get(0);
        }
        return out;
    }

    private static Map<HostPort, Integer> count(HostPort[] assignment) {
        Map<HostPort, Integer> counts = new HashMap<>();
        for (HostPort b : assignment) {
            counts.merge(b, 1, Integer::sum);
        }
        return counts;
    }

    private static void assertShare(double expected, int count, String what) {
        double share = count / (double) USERS;
        assertTrue(Math.abs(share - expected) <= TOLERANCE,
                what + ": share " + share + " is not within ±" + TOLERANCE + " of " + expected);
    }

    @Test
    void usersOverBackendsWeightedOneOneTwoLandWithinTwoPointsOfTheWeights() {
        Map<HostPort, Integer> counts = count(assign(weighted112()));

        assertEquals(3, counts.size(), "every backend gets users: " + counts);
        System.out.printf("distribution over weights 1:1:2 of %d users: %.2f %% / %.2f %% / %.2f %%%n", USERS,
                100.0 * counts.get(A) / USERS, 100.0 * counts.get(B) / USERS, 100.0 * counts.get(C) / USERS);
        assertShare(0.25, counts.get(A), "A (weight 1)");
        assertShare(0.25, counts.get(B), "B (weight 1)");
        assertShare(0.50, counts.get(C), "C (weight 2)");
    }

    @Test
    void addingABackendMovesOnlyItsFairShareAndOnlyOntoTheNewBackend() {
        HostPort[] before = assign(weighted112());
        HostPort[] after = assign(pool(A, B, C2, D));

        int moved = 0;
        List<String> movedElsewhere = new ArrayList<>();
        for (int i = 0; i < USERS; i++) {
            if (!before[i].equals(after[i])) {
                moved++;
                if (!after[i].equals(D)) {
                    movedElsewhere.add(user(i) + ": " + before[i] + " -> " + after[i]);
                }
            }
        }
        assertTrue(movedElsewhere.isEmpty(), movedElsewhere.size() + " user(s) moved between old backends, e.g. "
                + movedElsewhere.stream().limit(5).toList());
        // D has weight 1 of 5: its fair share is 20 % of the users, and they are exactly the ones that moved.
        System.out.printf("adding a 4th backend (weight 1 of 5) moved %.2f %% of %d users, %d elsewhere%n",
                100.0 * moved / USERS, USERS, movedElsewhere.size());
        assertShare(0.20, moved, "users moved by adding D");
        assertShare(0.20, count(after).get(D), "D's share");
    }

    @Test
    void removingABackendMovesOnlyItsUsers() {
        HostPort[] before = assign(weighted112());
        HostPort[] after = assign(pool(A, C2));

        int movedFromB = 0;
        List<String> wronglyMoved = new ArrayList<>();
        for (int i = 0; i < USERS; i++) {
            if (before[i].equals(B)) {
                movedFromB++;
            } else if (!before[i].equals(after[i])) {
                wronglyMoved.add(user(i) + ": " + before[i] + " -> " + after[i]);
            }
        }
        assertTrue(wronglyMoved.isEmpty(), wronglyMoved.size() + " user(s) of A or C moved, e.g. "
                + wronglyMoved.stream().limit(5).toList());
        assertShare(0.25, movedFromB, "users that were on B");
        // B's users spread by the remaining weights 1:2.
        Map<HostPort, Integer> counts = count(after);
        assertShare(1 / 3.0, counts.get(A), "A after removing B");
        assertShare(2 / 3.0, counts.get(C), "C after removing B");
    }

    @Test
    void theFailoverOrderIsTheOrderWithoutTheFirstBackend() {
        // The user's second choice is where it goes when its first is down: it must be the backend it would get
        // if the first were removed from the pool, so failover and removal agree.
        Pool full = weighted112();
        Map<HostPort, Pool> without = Map.of(
                A, pool(B, C2),
                B, pool(A, C2),
                C, pool(A, B));
        for (int i = 0; i < 10_000; i++) {
            List<HostPort> order = full.orderFor(user(i));
            assertEquals(order.subList(1, 3), without.get(order.get(0)).orderFor(user(i)), user(i));
        }
    }

    @Test
    void theOrderForAUserIsTheSameInEveryPoolInstanceWhateverTheListOrder() {
        Pool first = weighted112();
        Pool second = weighted112();
        Pool reordered = pool(C2, A, B);
        for (int i = 0; i < USERS; i += 7) {
            List<HostPort> order = first.orderFor(user(i));
            assertEquals(3, order.size());
            assertEquals(order, second.orderFor(user(i)), user(i));
            assertEquals(order, reordered.orderFor(user(i)), user(i));
        }
    }

    @Test
    void theHashIsPinnedSoInstancesOfDifferentVersionsAgree() {
        // Two Postern instances behind one load balancer must send a user to the same backend, also during a
        // rolling upgrade: changing the hash moves users, so it must be a deliberate, visible change.
        Pool pool = weighted112();
        assertEquals(List.of(C, A, B), pool.orderFor("alice@example.org"));
        assertEquals(List.of(C, A, B), pool.orderFor("bob@example.org"));
        assertEquals(List.of(C, B, A), pool.orderFor("carol@example.org"));
        assertEquals(List.of(A, C, B), pool.orderFor("dave@example.org"));
    }
}
