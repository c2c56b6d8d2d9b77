package dev.weir.translation.io;

import dev.weir.translation.metrics.JobMetrics;
import dev.weir.translation.metrics.StepMetricsContainer;
import dev.weir.translation.metrics.ThreadMetrics;
import java.io.Serializable;

/**
 * Metrics of a source step: what a Beam reader counts lands in its step's container. The reader's
 * step becomes the current step of its thread's {@link ThreadMetrics} when it opens (chained DoFns
 * enter their own steps and restore it), and the container is merged into the job's metrics at
 * close.
 */
final class SourceMetrics implements Serializable {

  private static final long serialVersionUID = 1L;

  private final String stepName;
  private final JobMetrics jobMetrics;

  SourceMetrics(String stepName, JobMetrics jobMetrics) {
    this.stepName = stepName;
    this.jobMetrics = jobMetrics;
  }

  /** A container for one reader, made current for the calling thread. */
  StepMetricsContainer open() {
    StepMetricsContainer container = jobMetrics.open(stepName);
    ThreadMetrics.install().enter(container);
    return container;
  }

  void close(StepMetricsContainer container) {
    if (container != null) {
      jobMetrics.merge(stepName, container);
    }
  }
}
