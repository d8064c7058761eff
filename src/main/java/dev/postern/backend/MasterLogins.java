package dev.postern.backend;

import dev.postern.config.HostPort;
import dev.postern.config.MasterConfig;
import dev.postern.config.PoolConfig;
import dev.postern.imap.Credentials;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * The master logins of the pools ({@code pools.<name>.master}), their passwords read from their files once per
 * configuration. Only a user Postern authenticated itself ({@link Credentials.Kind#VERIFIED}) is ever logged in
 * this way.
 */
final class MasterLogins {
    private record Master(MasterConfig config, byte[] password) {
    }

    /** Each pooled backend's master (of the first pool that lists it). */
    private final Map<HostPort, Master> byBackend = new HashMap<>();

    /** Reads every pool's master password file; fails with the pool and file named. */
    MasterLogins(Map<String, PoolConfig> pools) throws IOException {
        Map<String, Master> byPool = new HashMap<>();
        for (PoolConfig pool : pools.values()) {
            if (pool.master() != null) {
                byte[] password = readPassword(pool);
                byPool.put(pool.name(), new Master(pool.master(), password));
            }
        }
        pools.values().forEach(pool -> pool.backends().forEach(b -> {
            if (!byBackend.containsKey(b.address()) && byPool.containsKey(pool.name())) {
                byBackend.put(b.address(), byPool.get(pool.name()));
            }
        }));
    }

    private static byte[] readPassword(PoolConfig pool) throws IOException {
        String text;
        try {
            text = Files.readString(pool.master().passwordFile(), StandardCharsets.UTF_8).strip();
        } catch (IOException e) {
            throw new IOException("pools." + pool.name() + ".master.password_file: cannot read "
                    + pool.master().passwordFile(), e);
        }
        if (text.isEmpty() || text.contains("\n")) {
            throw new IOException("pools." + pool.name() + ".master.password_file: " + pool.master().passwordFile()
                    + " must hold the password on one line");
        }
        return text.getBytes(StandardCharsets.UTF_8);
    }

    /**
     * The credentials that log {@code user} in on {@code backend} through its pool's master: PLAIN with the user as
     * authzid, or {@code user<separator>master}; null when the backend's pool has no master.
     */
    Credentials forUser(HostPort backend, String user) {
        Master master = byBackend.get(backend);
        if (master == null) {
            return null;
        }
        byte[] name = user.getBytes(StandardCharsets.UTF_8);
        byte[] masterName = master.config().user().getBytes(StandardCharsets.UTF_8);
        byte[] password = master.password().clone();
        try {
            return master.config().style() == MasterConfig.Style.AUTHZID
                    ? Credentials.actingAs(name, masterName, password)
                    : new Credentials((user + master.config().separator() + master.config().user())
                            .getBytes(StandardCharsets.UTF_8), password);
        } finally {
            Arrays.fill(password, (byte) 0);
        }
    }
}
