package dev.weir.runner;

import dev.weir.engine.lifecycle.DaemonThreads;
import dev.weir.translation.metrics.JobMetrics;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.apache.beam.runners.core.metrics.NoOpMetricsSink;
import org.apache.beam.sdk.metrics.MetricResults;
import org.apache.beam.sdk.metrics.MetricsOptions;
import org.apache.beam.sdk.metrics.MetricsSink;
import org.apache.beam.sdk.util.InstanceBuilder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Pushes a running job's metrics to the user's {@link MetricsOptions#getMetricsSink() metrics sink}
 * every {@link MetricsOptions#getMetricsPushPeriod() push period} seconds, and once more when the
 * job ends, as Beam's runners-core MetricsPusher does. Its own loop rather than MetricsPusher: that
 * one reads a single MetricsContainerStepMap, while a Weir job's metrics live in one container per
 * running operator instance (see {@link JobMetrics}).
 */
final class MetricsPushing {

  private static final Logger LOG = LoggerFactory.getLogger(MetricsPushing.class);

  private final MetricsSink sink;
  private final Supplier<MetricResults> metrics;
  private final ScheduledExecutorService timer;
  private final long periodSeconds;

  private MetricsPushing(
      MetricsSink sink, Supplier<MetricResults> metrics, String jobName, long periodSeconds) {
    this.sink = sink;
    this.metrics = metrics;
    this.periodSeconds = periodSeconds;
    this.timer =
        Executors.newSingleThreadScheduledExecutor(
            DaemonThreads.named("weir[" + jobName + "]-metrics-push"));
  }

  /**
   * The pushing the options ask for, or {@code null} when they name no sink (Beam's no-op default).
   * Checks the options, so call it before the job is submitted.
   */
  static MetricsPushing forOptions(
      MetricsOptions options, Supplier<MetricResults> metrics, String jobName) {
    Class<? extends MetricsSink> sinkClass = options.getMetricsSink();
    if (sinkClass == null || sinkClass == NoOpMetricsSink.class) {
      return null;
    }
    Long period = options.getMetricsPushPeriod();
    if (period == null || period < 1) {
      throw new IllegalArgumentException(
          "Invalid option --metricsPushPeriod: must be at least 1 (seconds), got " + period);
    }
    MetricsSink sink;
    try {
      sink =
          InstanceBuilder.ofType(MetricsSink.class)
              .fromClass(sinkClass)
              .withArg(MetricsOptions.class, options)
              .build();
    } catch (RuntimeException e) {
      throw new IllegalArgumentException(
          "Invalid option --metricsSink="
              + sinkClass.getName()
              + ": cannot create it (a MetricsSink needs a public constructor taking MetricsOptions): "
              + e.getMessage(),
          e);
    }
    return new MetricsPushing(sink, metrics, jobName, period);
  }

  /** Pushes every period until {@code jobEnded} completes, then once more and stops its thread. */
  void start(CompletableFuture<?> jobEnded) {
    timer.scheduleAtFixedRate(this::push, periodSeconds, periodSeconds, TimeUnit.SECONDS);
    jobEnded.whenComplete(
        (result, failure) -> {
          timer.shutdownNow();
          push();
        });
  }

  private void push() {
    try {
      sink.writeMetrics(metrics.get().allMetrics());
    } catch (Exception e) {
      // A sink that fails (an unreachable metrics backend) must not fail the job; the next push
      // retries.
      LOG.warn("pushing metrics to {} failed: {}", sink.getClass().getName(), e.toString());
    }
  }
}
