package dev.postern.bench.compare;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The side-by-side benchmark runs end to end on this machine (every proxy starts, takes the load and is metered):
 * a one-second version of {@code deploy/bench/compare.sh}. It checks that each column has a figure in every row,
 * never what the figures are (performance lives in the benchmark's output, not in tests).
 */
class CompareBenchmarkIT {
    @Test
    void everyProxyIsStartedLoadedAndMetered() throws Exception {
        String table = CompareBenchmark.run(new String[] {"1", "20,40", "1"});
        for (String column : List.of("HAProxy", "nginx", "Postern", "Postern X25519MLKEM768")) {
            assertTrue(table.contains(column), column + " missing:\n" + table);
        }
        for (String row : List.of("logins/s, 64 clients |", "logins/s, 16 clients, resumed |",
                "NOOP round trip p99", "relayed MB/s", "PSS at rest", "memory per idle TLS session")) {
            String line = table.lines().filter(l -> l.contains(row)).findFirst().orElse("");
            // figure, then four proxies and the ratio: a number in each proxy's cell (a memory delta over a few
            // sessions may be negative: a collection in between)
            assertTrue(Pattern.compile("^\\| [^|]+ \\|( -?[0-9.]+ \\|){4}").matcher(line).find(),
                    "a figure in every column of '" + row + "':\n" + table);
        }
    }
}
