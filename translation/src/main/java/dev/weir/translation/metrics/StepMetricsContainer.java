package dev.weir.translation.metrics;

import org.apache.beam.model.pipeline.v1.MetricsApi;
import org.apache.beam.runners.core.metrics.MetricsContainerImpl;
import org.apache.beam.sdk.metrics.BoundedTrie;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Distribution;
import org.apache.beam.sdk.metrics.Gauge;
import org.apache.beam.sdk.metrics.Histogram;
import org.apache.beam.sdk.metrics.MetricName;
import org.apache.beam.sdk.metrics.MetricsContainer;
import org.apache.beam.sdk.metrics.StringSet;
import org.apache.beam.sdk.util.HistogramData;

/**
 * The metrics container of one running step instance: Beam's {@link MetricsContainerImpl} holds the
 * cells, and a small identity cache in front of it finds a counter or distribution without a hash
 * lookup. Beam's metric handles ({@code Metrics.counter(...)}) look their cell up by name on every
 * update, and a cell's update is two atomic operations: per element (CountingSource counts every
 * element it reads) that was a fifth of a simple pipeline's time. Counters therefore count in a
 * plain field and reach their cell on {@link #flush()} (at the end of each bundle, every few
 * thousand source records, and at close), which is when running metrics move. Used by the task's
 * thread only.
 */
public final class StepMetricsContainer implements MetricsContainer {

  private static final long serialVersionUID = 1L;
  private static final int CACHED = 8;

  private final MetricsContainerImpl cells;
  private final MetricName[] counterNames = new MetricName[CACHED];
  private final BufferedCounter[] counters = new BufferedCounter[CACHED];
  private int nextCounterSlot;
  private final MetricName[] distributionNames = new MetricName[CACHED];
  private final Distribution[] distributions = new Distribution[CACHED];
  private int nextDistributionSlot;

  StepMetricsContainer(MetricsContainerImpl cells) {
    this.cells = cells;
  }

  /** The cells, as runners-core merges and reports them. */
  public MetricsContainerImpl cells() {
    return cells;
  }

  @Override
  public Counter getCounter(MetricName metricName) {
    for (int i = 0; i < CACHED; i++) {
      if (counterNames[i] == metricName) {
        return counters[i];
      }
    }
    BufferedCounter counter = new BufferedCounter(cells.getCounter(metricName));
    int slot = nextCounterSlot;
    nextCounterSlot = (slot + 1) % CACHED;
    if (counters[slot] != null) {
      counters[slot].flush();
    }
    counters[slot] = counter;
    counterNames[slot] = metricName;
    return counter;
  }

  /** Moves what counters counted since the last flush into their cells. */
  public void flush() {
    for (BufferedCounter c : counters) {
      if (c != null) {
        c.flush();
      }
    }
  }

  /** Counts in a plain field; {@link #flush()} adds the count to the cell. */
  private static final class BufferedCounter implements Counter {
    private final Counter cell;
    private long pending;

    BufferedCounter(Counter cell) {
      this.cell = cell;
    }

    @Override
    public void inc() {
      pending++;
    }

    @Override
    public void inc(long n) {
      pending += n;
    }

    @Override
    public void dec() {
      pending--;
    }

    @Override
    public void dec(long n) {
      pending -= n;
    }

    @Override
    public MetricName getName() {
      return cell.getName();
    }

    void flush() {
      if (pending != 0) {
        cell.inc(pending);
        pending = 0;
      }
    }
  }

  @Override
  public Distribution getDistribution(MetricName metricName) {
    for (int i = 0; i < CACHED; i++) {
      if (distributionNames[i] == metricName) {
        return distributions[i];
      }
    }
    Distribution distribution = cells.getDistribution(metricName);
    int slot = nextDistributionSlot;
    nextDistributionSlot = (slot + 1) % CACHED;
    distributions[slot] = distribution;
    distributionNames[slot] = metricName;
    return distribution;
  }

  @Override
  public Counter getPerWorkerCounter(MetricName metricName) {
    return cells.getPerWorkerCounter(metricName);
  }

  @Override
  public Gauge getGauge(MetricName metricName) {
    return cells.getGauge(metricName);
  }

  @Override
  public StringSet getStringSet(MetricName metricName) {
    return cells.getStringSet(metricName);
  }

  @Override
  public BoundedTrie getBoundedTrie(MetricName metricName) {
    return cells.getBoundedTrie(metricName);
  }

  @Override
  public Histogram getHistogram(MetricName metricName, HistogramData.BucketType bucketType) {
    return cells.getHistogram(metricName, bucketType);
  }

  @Override
  public Iterable<MetricsApi.MonitoringInfo> getMonitoringInfos() {
    return cells.getMonitoringInfos();
  }
}
