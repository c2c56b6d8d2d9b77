package dev.weir.benchmarks.beam;

import java.util.HashMap;
import java.util.Map;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.metrics.MetricNameFilter;
import org.apache.beam.sdk.metrics.MetricResult;
import org.apache.beam.sdk.metrics.MetricsFilter;

/** How the benchmarks' pipelines report: Beam counters, read back from the pipeline's metrics. */
public final class BeamCounters {

  private BeamCounters() {}

  /** The attempted values of the counters in {@code namespace}, by name, summed over the steps. */
  public static Map<String, Long> attempted(PipelineResult result, Class<?> namespace) {
    Map<String, Long> values = new HashMap<>();
    for (MetricResult<Long> c :
        result
            .metrics()
            .queryMetrics(
                MetricsFilter.builder()
                    .addNameFilter(MetricNameFilter.inNamespace(namespace))
                    .build())
            .getCounters()) {
      values.merge(c.getName().getName(), c.getAttempted(), Long::sum);
    }
    return values;
  }
}
