package dev.weir.translation.io;

import dev.weir.translation.metrics.JobMetrics;
import dev.weir.translation.metrics.StepMetricsContainer;
import dev.weir.translation.metrics.ThreadMetrics;
import java.io.Closeable;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.apache.beam.runners.core.metrics.MetricsContainerImpl;
import org.apache.beam.sdk.metrics.MetricsEnvironment;
import org.apache.beam.sdk.transforms.display.HasDisplayData;

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

  /** The step that reads the source, for messages. */
  String stepName() {
    return stepName;
  }

  SourceMetrics(String stepName, JobMetrics jobMetrics) {
    this.stepName = stepName;
    this.jobMetrics = jobMetrics;
  }

  /** What the source splits into, split with the step's metrics current: they are its work too. */
  <S> List<S> split(HasDisplayData source, Callable<List<S>> splitting) throws Exception {
    MetricsContainerImpl splitMetrics = new MetricsContainerImpl(stepName);
    List<S> parts;
    try (Closeable ignored = MetricsEnvironment.scopedMetricsContainer(splitMetrics)) {
      parts = splitting.call();
    } catch (Exception e) {
      // An unreachable system shows here first (KafkaIO asks the broker for partitions).
      throw SourceFailure.of(stepName, "splitting the source", source, null, e);
    }
    jobMetrics.merge(stepName, splitMetrics);
    return parts;
  }

  /** Split indexes {@code subtask, subtask + parallelism, ...}: the share of one subtask. */
  static List<Integer> dealt(int splits, int subtask, int parallelism) {
    List<Integer> mine = new ArrayList<>();
    for (int i = subtask; i < splits; i += parallelism) {
      mine.add(i);
    }
    return mine;
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
