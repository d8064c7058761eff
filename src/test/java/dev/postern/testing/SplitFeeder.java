package dev.postern.testing;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The ways a framer or a state machine must be fed the same input and give the same result: whole, split in two
 * at every byte, and one byte at a time (TCP may deliver any of them).
 */
public final class SplitFeeder {
    private SplitFeeder() {
    }

    /** One way of feeding an input: its reads, in order, and a name for assertion messages. */
    public record Way(String name, List<byte[]> reads) {
        @Override
        public String toString() {
            return name;
        }
    }

    /** Whole, then split in two at each byte 1..n-1, then one byte at a time. */
    public static List<Way> everyWay(byte[] input) {
        List<Way> ways = new ArrayList<>(input.length + 1);
        ways.add(new Way("whole", List.of(input)));
        for (int i = 1; i < input.length; i++) {
            ways.add(new Way("split at " + i,
                    List.of(Arrays.copyOfRange(input, 0, i), Arrays.copyOfRange(input, i, input.length))));
        }
        List<byte[]> single = new ArrayList<>(input.length);
        for (byte b : input) {
            single.add(new byte[] {b});
        }
        ways.add(new Way("one byte at a time", single));
        return ways;
    }

    /** {@link #everyWay(byte[])} of the input's ISO-8859-1 octets. */
    public static List<Way> everyWay(String input) {
        return everyWay(input.getBytes(StandardCharsets.ISO_8859_1));
    }
}
