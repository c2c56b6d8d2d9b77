package dev.weir.translation.operators;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weir.engine.testing.OperatorTestHarness;
import dev.weir.translation.metrics.JobMetrics;
import dev.weir.translation.wire.EncodedKey;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.coders.VarLongCoder;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.apache.beam.sdk.transforms.windowing.IntervalWindow;
import org.apache.beam.sdk.transforms.windowing.PaneInfo;
import org.apache.beam.sdk.transforms.windowing.TimestampCombiner;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.WindowedValue;
import org.apache.beam.sdk.values.WindowedValues;
import org.joda.time.Instant;
import org.junit.jupiter.api.Test;

/**
 * One on-time pane per key and window, with ReduceFnRunner's timestamps, holds and late-data
 * dropping; restored from a snapshot.
 */
class OnTimeGroupByKeyOperatorTest {

  private static final IntervalWindow W1 = new IntervalWindow(new Instant(0), new Instant(1_000));
  private static final IntervalWindow W2 =
      new IntervalWindow(new Instant(1_000), new Instant(2_000));

  @SuppressWarnings({"unchecked", "rawtypes"})
  private static OperatorTestHarness<
          WindowedValue<KV<String, Long>>, WindowedValue<KV<String, Iterable<Long>>>>
      harness(TimestampCombiner timestamps, byte[][] restored) throws Exception {
    OnTimeGroupByKeyOperator<String, Long> op =
        new OnTimeGroupByKeyOperator<>(
            "gbk",
            StringUtf8Coder.of(),
            VarLongCoder.of(),
            (Coder) IntervalWindow.getCoder(),
            timestamps,
            new JobMetrics(),
            "out");
    return restored == null
        ? OperatorTestHarness.keyed(op, EncodedKey.ofKv(StringUtf8Coder.of())).open()
        : OperatorTestHarness.keyed(
                op,
                EncodedKey.ofKv(StringUtf8Coder.of()),
                1,
                List.of(restored[0]),
                List.of(restored[1]))
            .open();
  }

  private static WindowedValue<KV<String, Long>> value(
      String key, long v, long timestamp, BoundedWindow window) {
    return WindowedValues.of(KV.of(key, v), new Instant(timestamp), window, PaneInfo.NO_FIRING);
  }

  /** key@windowEnd → "timestamp:values" */
  private static Map<String, String> panes(List<WindowedValue<KV<String, Iterable<Long>>>> output) {
    Map<String, String> panes = new HashMap<>();
    for (WindowedValue<KV<String, Iterable<Long>>> o : output) {
      assertThat(o.getPaneInfo()).isEqualTo(PaneInfo.ON_TIME_AND_ONLY_FIRING);
      List<Long> values = new ArrayList<>();
      o.getValue().getValue().forEach(values::add);
      values.sort(null);
      String id =
          o.getValue().getKey()
              + "@"
              + ((IntervalWindow) o.getWindows().iterator().next()).end().getMillis();
      assertThat(panes.put(id, o.getTimestamp().getMillis() + ":" + values))
          .as("one pane per key and window")
          .isNull();
    }
    return panes;
  }

  @Test
  void groupsPerKeyAndWindowOnTimeWithTheCombinedTimestampAndDropsExpiredData() throws Exception {
    try (var h = harness(TimestampCombiner.EARLIEST, null)) {
      h.processElement(value("a", 1, 300, W1));
      h.processElement(value("a", 2, 100, W1));
      h.processElement(value("b", 3, 500, W1));
      h.processElement(value("a", 4, 1_500, W2));
      h.processWatermark(50);
      assertThat(h.watermarks()).last().isEqualTo(50L);
      h.processWatermark(900);
      assertThat(h.output()).isEmpty();
      assertThat(h.watermarks()).as("held at the earliest owed timestamp").last().isEqualTo(100L);
      h.processWatermark(1_000);
      assertThat(panes(h.output())).isEqualTo(Map.of("a@1000", "100:[1, 2]", "b@1000", "500:[3]"));
      assertThat(h.watermarks()).as("W1 paid; W2 owes 1500").last().isEqualTo(1_000L);
      h.processElement(value("a", 99, 999, W1)); // W1 has expired: dropped
      h.processElement(value("a", 5, 1_200, W2));
      h.endInput();
      assertThat(panes(h.output()))
          .isEqualTo(Map.of("a@1000", "100:[1, 2]", "b@1000", "500:[3]", "a@2000", "1200:[4, 5]"));
    }
  }

  @Test
  void latestAndEndOfWindowTimestamps() throws Exception {
    try (var latest = harness(TimestampCombiner.LATEST, null);
        var end = harness(TimestampCombiner.END_OF_WINDOW, null)) {
      for (var h : List.of(latest, end)) {
        h.processElement(value("a", 1, 300, W1));
        h.processElement(value("a", 2, 700, W1));
        h.endInput();
      }
      assertThat(panes(latest.output())).isEqualTo(Map.of("a@1000", "700:[1, 2]"));
      assertThat(panes(end.output())).isEqualTo(Map.of("a@1000", "999:[1, 2]"));
    }
  }

  @Test
  void aRestoredSnapshotFiresWhatWasOwedAndHoldsTheWatermark() throws Exception {
    byte[][] snapshot;
    try (var h = harness(TimestampCombiner.EARLIEST, null)) {
      h.processElement(value("a", 1, 300, W1));
      h.processElement(value("b", 2, 1_100, W2));
      snapshot = new byte[][] {h.snapshotKeyedState(), h.snapshotTimers()};
    }
    try (var h = harness(TimestampCombiner.EARLIEST, snapshot)) {
      h.processElement(value("a", 3, 200, W1));
      h.processWatermark(250);
      assertThat(h.watermarks()).last().isEqualTo(200L);
      h.endInput();
      assertThat(panes(h.output())).isEqualTo(Map.of("a@1000", "200:[1, 3]", "b@2000", "1100:[2]"));
    }
  }
}
