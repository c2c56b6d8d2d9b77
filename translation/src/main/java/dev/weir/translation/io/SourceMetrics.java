package dev.weir.translation.io;

import dev.weir.translation.metrics.JobMetrics;
import java.io.Serializable;
import org.apache.beam.runners.core.metrics.MetricsContainerImpl;
import org.apache.beam.sdk.metrics.MetricsEnvironment;

/**
 * Metrics of a source step: what a Beam reader counts lands in its step's container. The
 * reader's thread gets the container as its current one when it opens (chained DoFns scope their
 * own containers and restore it), and the container is merged into the job's metrics at close.
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
  MetricsContainerImpl open() {
    MetricsContainerImpl container = jobMetrics.open(stepName);
    MetricsEnvironment.setCurrentContainer(container);
    return container;
  }

  void close(MetricsContainerImpl container) {
    if (container != null) {
      jobMetrics.merge(stepName, container);
    }
  }
}
