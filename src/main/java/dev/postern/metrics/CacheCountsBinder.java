package dev.postern.metrics;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.TimeGauge;
import io.micrometer.core.instrument.binder.cache.CacheMeterBinder;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.function.ToLongFunction;

/**
 * The meters Micrometer's {@code CaffeineCacheMetrics} registers ({@code cache.size}, {@code cache.gets},
 * {@code cache.puts}, {@code cache.evictions}, {@code cache.eviction.weight}, {@code cache.load},
 * {@code cache.load.duration}, tagged {@code cache=<name>}), read from {@link CacheCounts} instead of a Caffeine
 * cache. The base class holds its source weakly; this binder holds it strongly and the registry's meters hold
 * this binder, so the source lives as long as the meters.
 */
final class CacheCountsBinder extends CacheMeterBinder<Supplier<CacheCounts>> {
    private final Supplier<CacheCounts> counts;

    CacheCountsBinder(Supplier<CacheCounts> counts, String cacheName) {
        super(counts, cacheName, Tags.empty());
        this.counts = counts;
    }

    private long read(ToLongFunction<CacheCounts> field) {
        return field.applyAsLong(counts.get());
    }

    @Override
    protected Long size() {
        return read(CacheCounts::size);
    }

    @Override
    protected long hitCount() {
        return read(CacheCounts::hits);
    }

    @Override
    protected Long missCount() {
        return read(CacheCounts::misses);
    }

    @Override
    protected Long evictionCount() {
        return read(CacheCounts::evictions);
    }

    @Override
    protected long putCount() {
        return read(CacheCounts::loads);
    }

    @Override
    protected void bindImplementationSpecificMetrics(MeterRegistry registry) {
        FunctionCounter.builder("cache.eviction.weight", this, b -> b.read(CacheCounts::evictionWeight))
                .tags(getTagsWithCacheName())
                .description("The sum of weights of evicted entries. This total does not include manual invalidations.")
                .register(registry);
        TimeGauge.builder("cache.load.duration", this, TimeUnit.NANOSECONDS, b -> b.read(CacheCounts::totalLoadNanos))
                .tags(getTagsWithCacheName())
                .description("The time the cache has spent loading new values")
                .register(registry);
        String loads = "The number of times cache lookup methods have successfully loaded a new value or failed to "
                + "load a new value, either because no value was found or an exception was thrown while loading";
        FunctionCounter.builder("cache.load", this, b -> b.read(CacheCounts::loadSuccesses))
                .tags(getTagsWithCacheName()).tags("result", "success").description(loads).register(registry);
        FunctionCounter.builder("cache.load", this, b -> b.read(CacheCounts::loadFailures))
                .tags(getTagsWithCacheName()).tags("result", "failure").description(loads).register(registry);
    }
}
