package dev.postern.config;

import java.net.InetAddress;
import java.util.List;
import java.util.function.Predicate;

/**
 * A fixed set of client networks ({@code limits.exempt}): whether a client's address lies in one of them. Lists
 * are short (monitoring, webmail), so a scan is cheaper than any index.
 */
public final class ClientAddressSet implements Predicate<InetAddress> {
    public static final ClientAddressSet EMPTY = new ClientAddressSet(List.of());

    private final List<Cidr> networks;

    private ClientAddressSet(List<Cidr> networks) {
        this.networks = networks;
    }

    public static ClientAddressSet of(List<Cidr> networks) {
        return networks.isEmpty() ? EMPTY : new ClientAddressSet(List.copyOf(networks));
    }

    /** Null (no address known) is in no set. */
    @Override
    public boolean test(InetAddress address) {
        for (Cidr network : networks) {
            if (network.contains(address)) {
                return true;
            }
        }
        return false;
    }

    public List<Cidr> networks() {
        return networks;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ClientAddressSet s && networks.equals(s.networks);
    }

    @Override
    public int hashCode() {
        return networks.hashCode();
    }

    @Override
    public String toString() {
        return networks.toString();
    }
}
