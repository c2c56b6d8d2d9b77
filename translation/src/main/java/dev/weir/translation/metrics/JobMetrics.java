package dev.weir.translation.metrics;

import dev.weir.engine.metrics.UserMetrics;
import java.util.Collection;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.Map;
import org.apache.beam.runners.core.metrics.MetricsContainerImpl;
import org.apache.beam.sdk.metrics.MetricResults;

/**
 * The metrics of one job in one process: every operator instance counts into a container of its own
 * (no contention on the record path), readable while the job runs (Beam's cells are thread-safe),
 * and merges it here when it closes. Attempted metrics are the closed and the running instances';
 * committed ones are what closed instances reported, so for a finished job the two agree.
 *
 * <p>A job running on a cluster has one of these per worker and attempt (the decoded graph's); the
 * engine carries their {@link #report() reports} to the client, which merges them with {@link
 * #results(Collection)}.
 */
public final class JobMetrics implements UserMetrics {

  private static final long serialVersionUID = 1L;

  private final Map<String, MetricsContainerImpl> closed = new HashMap<>();
  private final Map<MetricsContainerImpl, MetricsContainerImpl> live = new IdentityHashMap<>();

  /**
   * A container for one running instance of {@code stepName}, counted in {@link #results()} until
   * it merges.
   */
  public synchronized StepMetricsContainer open(String stepName) {
    MetricsContainerImpl container = new MetricsContainerImpl(stepName);
    live.put(container, container);
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
    closed.computeIfAbsent(stepName, MetricsContainerImpl::new).update(container);
  }

  /** Metrics so far: attempted includes running instances, committed only closed ones. */
  public MetricResults results() {
    return new MergedMetrics().add(snapshot()).results();
  }

  /** What this process counted so far, for the job's client: see {@link MetricsReport}. */
  @Override
  public byte[] report() {
    return snapshot().encode();
  }

  private synchronized MetricsReport snapshot() {
    return MetricsReport.of(live.keySet(), closed.values());
  }

  /**
   * The metrics of a job that ran in several processes, from each one's newest {@link #report()}.
   *
   * @throws IllegalArgumentException if a report is corrupt
   */
  public static MetricResults results(Collection<byte[]> reports) {
    MergedMetrics merged = new MergedMetrics();
    for (byte[] report : reports) {
      merged.add(MetricsReport.decode(report));
    }
    return merged.results();
  }
}
