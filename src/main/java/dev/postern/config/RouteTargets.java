package dev.postern.config;

import java.util.Set;

/** Checks a route target as written in config: a pool name, or {@code host:port}. */
public final class RouteTargets {
    private RouteTargets() {
    }

    /** Null when {@code target} is a known pool or a valid host:port; else the problem text. */
    public static String check(String target, Set<String> pools) {
        if (pools.contains(target)) {
            return null;
        }
        try {
            HostPort.parse(target);
            return null;
        } catch (IllegalArgumentException e) {
            return "'" + target + "' is neither a pool " + pools + " nor host:port";
        }
    }
}
