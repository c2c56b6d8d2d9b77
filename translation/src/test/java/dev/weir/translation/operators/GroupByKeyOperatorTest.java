package dev.weir.translation.operators;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weir.engine.testing.OperatorTestHarness;
import dev.weir.translation.metrics.JobMetrics;
import dev.weir.translation.wire.EncodedKey;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.beam.runners.core.SystemReduceFn;
import org.apache.beam.runners.core.construction.SerializablePipelineOptions;
import org.apache.beam.sdk.coders.IterableCoder;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.coders.VarLongCoder;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.transforms.windowing.IntervalWindow;
import org.apache.beam.sdk.transforms.windowing.PaneInfo;
import org.apache.beam.sdk.transforms.windowing.Sessions;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.TupleTag;
import org.apache.beam.sdk.values.WindowedValue;
import org.apache.beam.sdk.values.WindowedValues;
import org.apache.beam.sdk.values.WindowingStrategy;
import org.joda.time.Duration;
import org.joda.time.Instant;
import org.junit.jupiter.api.Test;

/** Elements that wait per key within a bundle are grouped before event time passes them. */
class GroupByKeyOperatorTest {

  @SuppressWarnings({"unchecked", "rawtypes"})
  private static OperatorTestHarness<
          WindowedValue<KV<String, Long>>, WindowedValue<KV<String, Iterable<Long>>>>
      sessions() throws Exception {
    WindowingStrategy<?, ?> windowing =
        WindowingStrategy.of(Sessions.withGapDuration(Duration.millis(10)));
    GroupByKeyOperator op =
        new GroupByKeyOperator<>(
            "gbk",
            new SerializablePipelineOptions(PipelineOptionsFactory.create()),
            SystemReduceFn.buffering(VarLongCoder.of()),
            new TupleTag<>("out"),
            KvCoder.of(StringUtf8Coder.of(), IterableCoder.of(VarLongCoder.of())),
            windowing,
            StringUtf8Coder.of(),
            new JobMetrics());
    return OperatorTestHarness.keyed(op, EncodedKey.ofKv(StringUtf8Coder.of())).open();
  }

  private static WindowedValue<KV<String, Long>> at(String key, long t) {
    return WindowedValues.of(
        KV.of(key, t),
        new Instant(t),
        new IntervalWindow(new Instant(t), new Instant(t + 10)),
        PaneInfo.NO_FIRING);
  }

  /** "key [start, end): values" per emitted pane. */
  private static TreeMap<String, List<Long>> panes(
      List<WindowedValue<KV<String, Iterable<Long>>>> output) {
    TreeMap<String, List<Long>> panes = new TreeMap<>();
    for (WindowedValue<KV<String, Iterable<Long>>> o : output) {
      IntervalWindow w = (IntervalWindow) o.getWindows().iterator().next();
      List<Long> values = new ArrayList<>();
      o.getValue().getValue().forEach(values::add);
      values.sort(null);
      panes.put(
          o.getValue().getKey() + " [" + w.start().getMillis() + ", " + w.end().getMillis() + ")",
          values);
    }
    return panes;
  }

  @Test
  void waitingElementsMergeIntoSessionsBeforeTheWatermarkPassesThem() throws Exception {
    try (var h = sessions()) {
      h.processElement(at("a", 0));
      h.processElement(at("b", 3));
      h.processElement(at("a", 5));
      h.processElement(at("a", 40));
      h.processElement(at("a", 12));
      // One watermark beyond every session, in the same bundle: nothing may be dropped as late.
      h.processWatermark(100);
      assertThat(panes(h.output()))
          .isEqualTo(
              new TreeMap<>(
                  Map.of(
                      "a [0, 22)",
                      List.of(0L, 5L, 12L),
                      "b [3, 13)",
                      List.of(3L),
                      "a [40, 50)",
                      List.of(40L))));
      h.processElement(
          at("a", 60)); // behind the watermark: its session expired, dropped as Beam does
      h.endInput();
      assertThat(h.output()).hasSize(3);
    }
  }
}
