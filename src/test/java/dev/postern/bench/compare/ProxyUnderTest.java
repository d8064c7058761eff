package dev.postern.bench.compare;

/** One TLS-terminating proxy in front of the benchmark's Dovecot, started fresh by the benchmark. */
interface ProxyUnderTest extends AutoCloseable {
    /** Its column header, e.g. {@code HAProxy 2.6.12}. */
    String name();

    /** Its implicit-TLS port on 127.0.0.1. */
    int port();

    /** The process whose tree is metered (master and workers, or the JVM). */
    long pid();

    /** Bytes its heap has allocated so far, where it tells (a JVM's Micrometer gauge); NaN otherwise. */
    default double allocatedBytes() {
        return Double.NaN;
    }

    @Override
    void close();
}
