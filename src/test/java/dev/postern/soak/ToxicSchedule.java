package dev.postern.soak;

import dev.postern.testing.ToxiproxyServer;
import eu.rekawek.toxiproxy.Proxy;
import eu.rekawek.toxiproxy.model.Toxic;
import eu.rekawek.toxiproxy.model.ToxicDirection;
import java.io.IOException;
import java.util.List;

/**
 * The bad networks the churn meets, one slot at a time on the churn's two proxies (client to Postern, Postern to
 * Dovecot): a healthy slot, then latency, small segments, a slow reader, and connection-killing toxics (reset,
 * stall-then-close, a cut after some bytes) that hit three connections in ten, alternating between the legs.
 */
final class ToxicSchedule {
    private static final float SOME = 0.3f;
    private static final List<String> SLOTS = List.of("none", "latency", "slicer", "bandwidth",
            "reset_peer@client", "timeout@backend", "limit_data@client", "none",
            "reset_peer@backend", "timeout@client", "limit_data@backend");

    private final Proxy clientLeg;
    private final Proxy backendLeg;

    ToxicSchedule(Proxy clientLeg, Proxy backendLeg) {
        this.clientLeg = clientLeg;
        this.backendLeg = backendLeg;
    }

    /** Takes every toxic off, then puts on those of slot {@code n} (the schedule repeats); returns its name. */
    String apply(int n) throws IOException {
        clear();
        String slot = SLOTS.get(n % SLOTS.size());
        switch (slot) {
            case "none" -> { }
            case "latency" -> {
                clientLeg.toxics().latency("latency", ToxicDirection.DOWNSTREAM, 40).setJitter(20);
                backendLeg.toxics().latency("latency", ToxicDirection.UPSTREAM, 20).setJitter(10);
            }
            case "slicer" -> {
                clientLeg.toxics().slicer("slicer", ToxicDirection.UPSTREAM, 16, 20).setSizeVariation(8);
                backendLeg.toxics().slicer("slicer", ToxicDirection.DOWNSTREAM, 64, 20).setSizeVariation(32);
            }
            case "bandwidth" -> clientLeg.toxics().bandwidth("bandwidth", ToxicDirection.DOWNSTREAM, 256);
            default -> {
                Proxy leg = slot.endsWith("@client") ? clientLeg : backendLeg;
                Toxic toxic = switch (slot.substring(0, slot.indexOf('@'))) {
                    case "reset_peer" -> leg.toxics().resetPeer("cut", ToxicDirection.DOWNSTREAM, 300);
                    case "timeout" -> leg.toxics().timeout("cut", ToxicDirection.DOWNSTREAM, 2000);
                    default -> leg.toxics().limitData("cut", ToxicDirection.DOWNSTREAM, 3000);
                };
                toxic.setToxicity(SOME);
            }
        }
        return slot;
    }

    void clear() throws IOException {
        ToxiproxyServer.heal(clientLeg, backendLeg);
    }
}
