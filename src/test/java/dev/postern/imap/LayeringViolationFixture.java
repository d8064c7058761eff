package dev.postern.imap;

import dev.postern.route.Route;

/**
 * Deliberately breaks the layering (imap must not know route) so that ArchitectureTest can show its rules catch
 * a violation. Test sources only; never used.
 */
public final class LayeringViolationFixture {
    private LayeringViolationFixture() {
    }

    static boolean toPool(Route route) {
        return route instanceof Route.ToPool;
    }
}
