package dev.weir.translation.metrics;

import org.apache.beam.runners.core.metrics.MetricsContainerImpl;
import org.apache.beam.runners.core.metrics.MetricsContainerStepMap;
import org.apache.beam.sdk.metrics.MetricResults;

/**
 * The metrics of one job: every operator instance counts into a container of its own (no
 * contention on the record path) and merges it here when it closes. A job that finished
 * committed all its work, so attempted and committed agree.
 */
public final class JobMetrics implements java.io.Serializable {

  private static final long serialVersionUID = 1L;

  private final MetricsContainerStepMap merged = new MetricsContainerStepMap();

  /** Adds what one operator instance counted. */
  public synchronized void merge(String stepName, MetricsContainerImpl container) {
    merged.update(stepName, container);
  }

  /** Metrics so far: what closed operator instances reported, as attempted and committed. */
  public synchronized MetricResults results() {
    MetricsContainerStepMap snapshot = new MetricsContainerStepMap();
    snapshot.updateAll(merged);
    MetricsContainerStepMap committed = new MetricsContainerStepMap();
    committed.updateAll(merged);
    return MetricsContainerStepMap.asMetricResults(snapshot, committed);
  }
}
