package dev.postern.metrics;

/**
 * A cache's running totals at one moment, in plain numbers so that {@code metrics} needs no cache library's types:
 * the cache's owner turns its own statistics into these.
 *
 * @param size entries now (an estimate)
 * @param hits lookups answered from the cache
 * @param misses lookups that had to load
 * @param loads loads finished, successful or not (Micrometer's {@code cache.puts})
 * @param loadSuccesses loads that produced a value
 * @param loadFailures loads that failed
 * @param totalLoadNanos time spent loading, summed
 * @param evictions entries evicted (size or expiry; not manual invalidation)
 * @param evictionWeight the summed weight of those entries
 */
public record CacheCounts(long size, long hits, long misses, long loads, long loadSuccesses, long loadFailures,
                          long totalLoadNanos, long evictions, long evictionWeight) {
}
