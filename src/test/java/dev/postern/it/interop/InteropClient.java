package dev.postern.it.interop;

/**
 * A real mail client program driven by the interop matrix: it logs in through one of Postern's TLS listeners,
 * lists, selects, fetches the seeded messages, appends one, idles where the program does, and logs out.
 */
public interface InteropClient {
    /** The short name used in the matrix and in user names, e.g. {@code curl}. */
    String name();

    /** The program and its version as it reports it, e.g. {@code curl 7.88.1}. */
    String version();

    /** What this client does in a cell, e.g. "login, list, select, fetch, append, IDLE, logout". */
    String steps();

    /** Whether it appends a message (to the folder with the non-ASCII name); the test checks it arrived. */
    default boolean appends() {
        return true;
    }

    /** Whether it IDLEs here; the test checks it saw the probe's message arrive. */
    default boolean idles() {
        return false;
    }

    /** Runs the client against {@code cell}; fails the test (with the program's output) when it fails. */
    Fetched run(Cell cell) throws Exception;
}
