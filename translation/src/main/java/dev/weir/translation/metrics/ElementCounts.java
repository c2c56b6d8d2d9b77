package dev.weir.translation.metrics;

import java.io.Serializable;
import java.util.Map;
import org.apache.beam.runners.core.metrics.MonitoringInfoConstants;
import org.apache.beam.runners.core.metrics.MonitoringInfoMetricName;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.MetricsContainer;

/**
 * Beam's system metric {@code beam:metric:element_count:v1} for the PCollections a step produces,
 * one counter per output labelled with the PCollection's name. Records are counted in a plain array
 * on the record path and added to the (thread-safe, hence costlier) counters at the end of each
 * bundle.
 */
public final class ElementCounts implements Serializable {

  private static final long serialVersionUID = 1L;

  private final Map<Integer, String> pcollectionByOutput;
  private transient long[] pending;
  private transient Counter[] counters;

  /** {@code pcollectionByOutput}: output index to the name of the PCollection it produces. */
  public ElementCounts(Map<Integer, String> pcollectionByOutput) {
    this.pcollectionByOutput = Map.copyOf(pcollectionByOutput);
  }

  /** Binds the counters to the running instance's container. */
  public void open(MetricsContainer container) {
    int size = pcollectionByOutput.keySet().stream().mapToInt(i -> i).max().orElse(-1) + 1;
    pending = new long[size];
    counters = new Counter[size];
    pcollectionByOutput.forEach(
        (index, pcollection) ->
            counters[index] =
                container.getCounter(
                    MonitoringInfoMetricName.named(
                        MonitoringInfoConstants.Urns.ELEMENT_COUNT,
                        Map.of(MonitoringInfoConstants.Labels.PCOLLECTION, pcollection))));
  }

  /** One element left on output {@code index}. */
  public void count(int index) {
    if (index < pending.length) {
      pending[index]++;
    }
  }

  /** Adds what was counted since the last flush to the counters. */
  public void flush() {
    if (pending == null) {
      return;
    }
    for (int i = 0; i < pending.length; i++) {
      if (pending[i] != 0 && counters[i] != null) {
        counters[i].inc(pending[i]);
        pending[i] = 0;
      }
    }
  }
}
