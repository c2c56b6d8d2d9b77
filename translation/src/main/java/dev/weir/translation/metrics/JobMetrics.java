package dev.weir.translation.metrics;

import java.io.Serializable;
import java.util.IdentityHashMap;
import java.util.Map;
import org.apache.beam.runners.core.metrics.MetricsContainerImpl;
import org.apache.beam.runners.core.metrics.MetricsContainerStepMap;
import org.apache.beam.sdk.metrics.MetricResults;

/**
 * The metrics of one job: every operator instance counts into a container of its own (no contention
 * on the record path), readable while the job runs (Beam's cells are thread-safe), and merges it
 * here when it closes. Attempted metrics are the closed and the running instances'; committed ones
 * are what closed instances reported, so for a finished job the two agree.
 */
public final class JobMetrics implements Serializable {

  private static final long serialVersionUID = 1L;

  private record Live(String stepName, MetricsContainerImpl container) implements Serializable {
    private static final long serialVersionUID = 1L;
  }

  private final MetricsContainerStepMap merged = new MetricsContainerStepMap();
  private final Map<MetricsContainerImpl, Live> live = new IdentityHashMap<>();

  /**
   * A container for one running instance of {@code stepName}, counted in {@link #results()} until
   * it merges.
   */
  public synchronized StepMetricsContainer open(String stepName) {
    MetricsContainerImpl container = new MetricsContainerImpl(stepName);
    live.put(container, new Live(stepName, container));
    return new StepMetricsContainer(container);
  }

  /** Adds what one running instance counted (it stops being a running one). */
  public void merge(String stepName, StepMetricsContainer container) {
    container.flush();
    merge(stepName, container.cells());
  }

  /** Adds what one operator instance counted (it stops being a running one). */
  public synchronized void merge(String stepName, MetricsContainerImpl container) {
    live.remove(container);
    merged.update(stepName, container);
  }

  /** Metrics so far: attempted includes running instances, committed only closed ones. */
  public synchronized MetricResults results() {
    MetricsContainerStepMap attempted = new MetricsContainerStepMap();
    attempted.updateAll(merged);
    for (Live l : live.values()) {
      attempted.update(l.stepName(), l.container());
    }
    MetricsContainerStepMap committed = new MetricsContainerStepMap();
    committed.updateAll(merged);
    return MetricsContainerStepMap.asMetricResults(attempted, committed);
  }
}
