package dev.weir.translation.metrics;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
import java.util.function.Function;
import org.apache.beam.runners.core.metrics.BoundedTrieData;
import org.apache.beam.runners.core.metrics.DefaultMetricResults;
import org.apache.beam.runners.core.metrics.DistributionData;
import org.apache.beam.runners.core.metrics.GaugeData;
import org.apache.beam.runners.core.metrics.MetricUpdates;
import org.apache.beam.runners.core.metrics.MetricUpdates.MetricUpdate;
import org.apache.beam.runners.core.metrics.StringSetData;
import org.apache.beam.sdk.metrics.MetricKey;
import org.apache.beam.sdk.metrics.MetricResult;
import org.apache.beam.sdk.metrics.MetricResults;

/**
 * Beam metrics added up over containers, processes and attempts, per step and name, the way
 * runners-core merges its containers: counters sum, distributions combine, the newest gauge wins,
 * string sets and bounded tries unite. Not thread-safe: build, then read {@link #results()}.
 */
final class MergedMetrics {

  /** One kind of metric: attempted and committed values per key, combined as they come. */
  private static final class Kind<T> {
    final BiFunction<T, T, T> combine;
    final Map<MetricKey, T> attempted = new HashMap<>();
    final Map<MetricKey, T> committed = new HashMap<>();

    Kind(BiFunction<T, T, T> combine) {
      this.combine = combine;
    }

    void add(
        Iterable<MetricUpdate<T>> attemptedUpdates, Iterable<MetricUpdate<T>> committedUpdates) {
      for (MetricUpdate<T> u : attemptedUpdates) {
        attempted.merge(u.getKey(), u.getUpdate(), combine);
      }
      for (MetricUpdate<T> u : committedUpdates) {
        committed.merge(u.getKey(), u.getUpdate(), combine);
      }
    }

    <R> List<MetricResult<R>> results(Function<T, R> extract) {
      List<MetricResult<R>> out = new ArrayList<>(attempted.size());
      for (Map.Entry<MetricKey, T> e : attempted.entrySet()) {
        T c = committed.get(e.getKey());
        out.add(
            MetricResult.create(
                e.getKey(), c == null ? null : extract.apply(c), extract.apply(e.getValue())));
      }
      return out;
    }
  }

  private final Kind<Long> counters = new Kind<>(Long::sum);
  private final Kind<DistributionData> distributions = new Kind<>(DistributionData::combine);
  private final Kind<GaugeData> gauges = new Kind<>(GaugeData::combine);
  private final Kind<StringSetData> sets = new Kind<>(StringSetData::combine);
  private final Kind<BoundedTrieData> tries = new Kind<>(BoundedTrieData::combine);

  /** Adds one process's report. */
  MergedMetrics add(MetricsReport report) {
    MetricUpdates a = report.attempted();
    MetricUpdates c = report.committed();
    counters.add(a.counterUpdates(), c.counterUpdates());
    distributions.add(a.distributionUpdates(), c.distributionUpdates());
    gauges.add(a.gaugeUpdates(), c.gaugeUpdates());
    sets.add(a.stringSetUpdates(), c.stringSetUpdates());
    tries.add(a.boundedTrieUpdates(), c.boundedTrieUpdates());
    return this;
  }

  MetricResults results() {
    return new DefaultMetricResults(
        counters.results(Function.identity()),
        distributions.results(DistributionData::extractResult),
        gauges.results(GaugeData::extractResult),
        sets.results(StringSetData::extractResult),
        tries.results(BoundedTrieData::extractResult),
        List.of());
  }
}
