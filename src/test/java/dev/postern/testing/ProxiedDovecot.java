package dev.postern.testing;

/**
 * The usual integration set-up in one piece: a real Dovecot and an in-JVM Postern whose one pool is that
 * Dovecot. Close it in {@code @AfterAll}; it closes Postern first, then Dovecot.
 */
public final class ProxiedDovecot implements AutoCloseable {
    private final DovecotServer dovecot;
    private final PosternHarness postern;

    private ProxiedDovecot(DovecotServer dovecot, PosternHarness postern) {
        this.dovecot = dovecot;
        this.postern = postern;
    }

    /** Starts the Dovecot {@code builder} describes, then Postern in front of it. */
    public static ProxiedDovecot start(DovecotServer.Builder builder) {
        DovecotServer dovecot = builder.start();
        try {
            return new ProxiedDovecot(dovecot, PosternHarness.start("", dovecot.host() + ":" + dovecot.port()));
        } catch (RuntimeException e) {
            dovecot.close();
            throw e;
        }
    }

    public DovecotServer dovecot() {
        return dovecot;
    }

    public PosternHarness postern() {
        return postern;
    }

    @Override
    public void close() {
        postern.close();
        dovecot.close();
    }
}
