package dev.postern.testing;

import java.util.List;

/** One scrape of a Prometheus text page: sums of the samples of a metric whose labels hold given pairs. */
public final class PrometheusPage {
    private final List<String> lines;

    public PrometheusPage(String text) {
        this.lines = text.lines().filter(l -> !l.startsWith("#") && !l.isBlank()).toList();
    }

    /** The sum over the samples of {@code name} whose labels include every {@code label="value"} given. */
    public double sum(String name, String... labelPairs) {
        double total = 0;
        for (String line : lines) {
            int end = line.indexOf('{') >= 0 ? line.indexOf('{') : line.indexOf(' ');
            if (end < 0 || !line.substring(0, end).equals(name)) {
                continue;
            }
            boolean match = true;
            for (String pair : labelPairs) {
                match &= line.contains(pair);
            }
            if (match) {
                total += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return total;
    }
}
