package dev.weir.translation.metrics;

import org.apache.beam.runners.core.metrics.MetricsContainerImpl;
import org.apache.beam.sdk.metrics.BoundedTrie;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Distribution;
import org.apache.beam.sdk.metrics.Gauge;
import org.apache.beam.sdk.metrics.Histogram;
import org.apache.beam.sdk.metrics.MetricName;
import org.apache.beam.sdk.metrics.MetricsContainer;
import org.apache.beam.sdk.metrics.MetricsEnvironment;
import org.apache.beam.sdk.metrics.StringSet;
import org.apache.beam.sdk.util.HistogramData;

/**
 * Beam's current metrics container for a task thread, installed once: it hands every metric to the
 * container of the step whose code runs right now. Chained steps run nested in one thread, so each
 * one enters its step around every element with two plain field writes, instead of swapping Beam's
 * thread-local container (two thread-local writes and an allocation per element and step).
 */
public final class ThreadMetrics implements MetricsContainer {

  private static final long serialVersionUID = 1L;
  private static final ThreadLocal<ThreadMetrics> OF_THREAD =
      ThreadLocal.withInitial(ThreadMetrics::new);

  /** Catches metrics updated while no step is entered (they are not reported). */
  private final transient MetricsContainerImpl unscoped = new MetricsContainerImpl(null);

  private transient MetricsContainer current;

  private ThreadMetrics() {}

  /**
   * This thread's instance, made Beam's current container; call on the task thread when opening.
   */
  public static ThreadMetrics install() {
    ThreadMetrics metrics = OF_THREAD.get();
    MetricsEnvironment.setCurrentContainer(metrics);
    return metrics;
  }

  /** Makes {@code step} the current step; returns the one to restore with {@link #exit}. */
  public MetricsContainer enter(MetricsContainer step) {
    MetricsContainer previous = current;
    current = step;
    return previous;
  }

  public void exit(MetricsContainer previous) {
    current = previous;
  }

  private MetricsContainer target() {
    MetricsContainer c = current;
    return c != null ? c : unscoped;
  }

  @Override
  public Counter getCounter(MetricName metricName) {
    return target().getCounter(metricName);
  }

  @Override
  public Counter getPerWorkerCounter(MetricName metricName) {
    return target().getPerWorkerCounter(metricName);
  }

  @Override
  public Distribution getDistribution(MetricName metricName) {
    return target().getDistribution(metricName);
  }

  @Override
  public Gauge getGauge(MetricName metricName) {
    return target().getGauge(metricName);
  }

  @Override
  public StringSet getStringSet(MetricName metricName) {
    return target().getStringSet(metricName);
  }

  @Override
  public BoundedTrie getBoundedTrie(MetricName metricName) {
    return target().getBoundedTrie(metricName);
  }

  @Override
  public Histogram getHistogram(MetricName metricName, HistogramData.BucketType bucketType) {
    return target().getHistogram(metricName, bucketType);
  }
}
