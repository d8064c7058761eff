package dev.postern.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The kernel's table of TCP sockets ({@code /proc/net/tcp} and {@code tcp6}): how many connections to a port are
 * open, whoever holds them. A test uses it to see that Postern left no connection to a backend behind, which no
 * meter of Postern's own could prove.
 */
public final class TcpTable {
    /**
     * The states of a socket its process has not closed: SYN_SENT, SYN_RECV, ESTABLISHED and CLOSE_WAIT (the peer
     * closed, the process not: a half-open connection). FIN_WAIT, CLOSING, LAST_ACK and TIME_WAIT follow the
     * process's close and belong to the kernel alone.
     */
    private static final List<String> OPEN = List.of("01", "02", "03", "08");

    private TcpTable() {
    }

    /** Sockets whose remote end is {@code port} (on any address) and that their process has not closed. */
    public static int openTo(int port) {
        String hexPort = String.format(":%04X", port);
        int count = 0;
        for (String table : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
            try {
                List<String> lines = Files.readAllLines(Path.of(table));
                for (String line : lines.subList(1, lines.size())) {
                    String[] f = line.trim().split("\\s+");
                    if (f.length > 3 && f[2].endsWith(hexPort) && OPEN.contains(f[3])) {
                        count++;
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return count;
    }
}
