package dev.weir.translation.metrics;

import java.io.Serializable;
import java.util.Map;

/**
 * The element count of a step with one output that is not a DoFn (a grouping operator): opened with
 * the running instance, counted per element emitted, made visible in running metrics at each
 * watermark, merged into the job's metrics when the instance closes. Task thread only.
 */
public final class StepOutputCounts implements Serializable {

  private static final long serialVersionUID = 1L;

  private final String stepName;
  private final JobMetrics metrics;
  private final ElementCounts counts;
  private transient StepMetricsContainer container;

  /** {@code outputPCollection}: the name of the PCollection the step produces. */
  public StepOutputCounts(String stepName, JobMetrics metrics, String outputPCollection) {
    this.stepName = stepName;
    this.metrics = metrics;
    this.counts = new ElementCounts(Map.of(0, outputPCollection));
  }

  public void open() {
    container = metrics.open(stepName);
    counts.open(container);
  }

  /** One element emitted. */
  public void count() {
    counts.count(0);
  }

  /** What was counted becomes visible in the running job's metrics. */
  public void flush() {
    counts.flush();
    container.flush();
  }

  /** Merges the instance's counts into the job's; once, and only if it was opened. */
  public void close() {
    if (container != null) {
      counts.flush();
      metrics.merge(stepName, container);
      container = null;
    }
  }
}
