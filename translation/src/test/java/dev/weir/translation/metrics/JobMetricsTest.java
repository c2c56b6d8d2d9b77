package dev.weir.translation.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.beam.runners.core.metrics.MonitoringInfoConstants;
import org.apache.beam.runners.core.metrics.MonitoringInfoMetricName;
import org.apache.beam.sdk.metrics.DistributionResult;
import org.apache.beam.sdk.metrics.MetricName;
import org.apache.beam.sdk.metrics.MetricQueryResults;
import org.apache.beam.sdk.metrics.MetricResult;
import org.apache.beam.sdk.metrics.MetricsFilter;
import org.junit.jupiter.api.Test;

/** Metrics counted in several processes add up at the client as if counted in one. */
class JobMetricsTest {

  private static final MetricName COUNT = MetricName.named("test", "count");
  private static final MetricName SIZES = MetricName.named("test", "sizes");
  private static final MetricName LATEST = MetricName.named("test", "latest");
  private static final MetricName SEEN = MetricName.named("test", "seen");
  private static final MetricName ELEMENTS =
      MonitoringInfoMetricName.named(
          MonitoringInfoConstants.Urns.ELEMENT_COUNT,
          Map.of(MonitoringInfoConstants.Labels.PCOLLECTION, "words"));

  /** One process: a closed instance of step "a" and a running one of step "b". */
  private static JobMetrics process(long count, long size, String seen) {
    JobMetrics metrics = new JobMetrics();
    StepMetricsContainer a = metrics.open("a");
    a.getCounter(COUNT).inc(count);
    a.getDistribution(SIZES).update(size);
    a.getStringSet(SEEN).add(seen);
    metrics.merge("a", a);
    StepMetricsContainer b = metrics.open("b");
    b.getCounter(COUNT).inc(count * 100);
    b.getGauge(LATEST).set(size);
    b.getCounter(ELEMENTS).inc(count);
    b.flush();
    return metrics;
  }

  private static <T> MetricResult<T> only(Iterable<MetricResult<T>> results, String step) {
    MetricResult<T> found = null;
    for (MetricResult<T> r : results) {
      if (r.getKey().stepName().equals(step)) {
        assertThat(found).as("one result for step " + step).isNull();
        found = r;
      }
    }
    assertThat(found).as("a result for step " + step).isNotNull();
    return found;
  }

  @Test
  void reportsOfSeveralProcessesMergePerStepAndName() {
    JobMetrics first = process(3, 10, "x");
    JobMetrics second = process(4, 20, "y");

    MetricQueryResults merged =
        JobMetrics.results(List.of(first.report(), second.report()))
            .queryMetrics(MetricsFilter.builder().build());

    MetricResult<Long> a = only(merged.getCounters(), "a");
    assertThat(a.getName()).isEqualTo(COUNT);
    assertThat(a.getAttempted()).isEqualTo(7L);
    assertThat(a.getCommitted()).isEqualTo(7L);
    MetricResult<Long> elements = null;
    MetricResult<Long> b = null;
    for (MetricResult<Long> r : merged.getCounters()) {
      if (r.getKey().stepName().equals("b")) {
        if (r.getName().equals(ELEMENTS)) {
          elements = r;
        } else {
          b = r;
        }
      }
    }
    // A system metric keeps its URN and labels.
    assertThat(elements).isNotNull();
    assertThat(elements.getName()).isInstanceOf(MonitoringInfoMetricName.class);
    assertThat(elements.getAttempted()).isEqualTo(7L);
    assertThat(b).isNotNull();
    assertThat(b.getAttempted()).isEqualTo(700L);
    assertThat(b.hasCommitted()).isFalse(); // still running: not committed
    DistributionResult sizes = only(merged.getDistributions(), "a").getAttempted();
    assertThat(Arrays.asList(sizes.getSum(), sizes.getCount(), sizes.getMin(), sizes.getMax()))
        .containsExactly(30L, 2L, 10L, 20L);
    assertThat(only(merged.getStringSets(), "a").getCommitted().getStringSet())
        .isEqualTo(Set.of("x", "y"));
    assertThat(only(merged.getGauges(), "b").getAttempted().getValue()).isIn(10L, 20L);

    // The same figures as one process reports of itself.
    MetricQueryResults local = first.results().queryMetrics(MetricsFilter.builder().build());
    assertThat(only(local.getCounters(), "a").getAttempted()).isEqualTo(3L);
    long localB = 0;
    for (MetricResult<Long> r : local.getCounters()) {
      if (r.getName().equals(COUNT) && r.getKey().stepName().equals("b")) {
        localB = r.getAttempted();
      }
    }
    assertThat(localB).isEqualTo(300L);
  }

  @Test
  void corruptReportsAreRefused() {
    byte[] report = process(1, 1, "z").report();
    assertThatThrownBy(() -> JobMetrics.results(List.of(Arrays.copyOf(report, report.length - 3))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("corrupt metrics report");
    byte[] huge = report.clone();
    huge[8] = 0x7f; // the first count: far more entries than bytes
    assertThatThrownBy(() -> JobMetrics.results(List.of(huge)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("bytes are left");
    assertThatThrownBy(() -> JobMetrics.results(List.of(new byte[] {1, 2, 3, 4, 5, 6, 7, 8})))
        .hasMessageContaining("not a Weir metrics report");
  }
}
