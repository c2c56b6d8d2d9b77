package dev.weir.translation.merging;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weir.engine.operator.Operator;
import dev.weir.engine.testing.OperatorTestHarness;
import dev.weir.translation.metrics.JobMetrics;
import dev.weir.translation.operators.GroupByKeyOperator;
import dev.weir.translation.wire.EncodedKey;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.TreeMap;
import org.apache.beam.runners.core.SystemReduceFn;
import org.apache.beam.runners.core.construction.SerializablePipelineOptions;
import org.apache.beam.sdk.coders.CoderRegistry;
import org.apache.beam.sdk.coders.IterableCoder;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.coders.VarLongCoder;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.transforms.Combine.CombineFn;
import org.apache.beam.sdk.transforms.Sum;
import org.apache.beam.sdk.transforms.windowing.IntervalWindow;
import org.apache.beam.sdk.transforms.windowing.PaneInfo;
import org.apache.beam.sdk.transforms.windowing.Sessions;
import org.apache.beam.sdk.transforms.windowing.TimestampCombiner;
import org.apache.beam.sdk.transforms.windowing.WindowFn;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.TupleTag;
import org.apache.beam.sdk.values.WindowedValue;
import org.apache.beam.sdk.values.WindowedValues;
import org.apache.beam.sdk.values.WindowingStrategy;
import org.joda.time.Duration;
import org.joda.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The merging-window operator against ReduceFnRunner (Weir's {@link GroupByKeyOperator}) on the
 * same random input: the same panes, windows, timestamps, values and output watermarks; its combine
 * against the grouped values; its state restored from a snapshot mid-way.
 */
class MergingWindowOperatorTest {

  private static final long GAP = 10;

  /** Sessions through Beam's general WindowFn merging (not recognised as Sessions). */
  static final class CustomSessions extends WindowFn<Object, IntervalWindow> {
    private final Sessions sessions = Sessions.withGapDuration(Duration.millis(GAP));

    @Override
    public java.util.Collection<IntervalWindow> assignWindows(AssignContext c) {
      return List.of(new IntervalWindow(c.timestamp(), c.timestamp().plus(Duration.millis(GAP))));
    }

    @Override
    public void mergeWindows(MergeContext c) throws Exception {
      org.apache.beam.sdk.transforms.windowing.MergeOverlappingIntervalWindows.mergeWindows(c);
    }

    @Override
    public boolean isCompatible(WindowFn<?, ?> other) {
      return other instanceof CustomSessions;
    }

    @Override
    public org.apache.beam.sdk.coders.Coder<IntervalWindow> windowCoder() {
      return sessions.windowCoder();
    }

    @Override
    public org.apache.beam.sdk.transforms.windowing.WindowMappingFn<IntervalWindow>
        getDefaultWindowMappingFn() {
      throw new UnsupportedOperationException();
    }
  }

  private static WindowingStrategy<?, ?> windowing(boolean custom, TimestampCombiner timestamps) {
    WindowFn<?, ?> fn =
        custom ? new CustomSessions() : Sessions.withGapDuration(Duration.millis(GAP));
    return WindowingStrategy.of(fn).withTimestampCombiner(timestamps);
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  private static <O>
      OperatorTestHarness<WindowedValue<KV<String, Long>>, WindowedValue<KV<String, O>>> harness(
          Operator op, OperatorTestHarness.Snapshot restored) throws Exception {
    return restored == null
        ? OperatorTestHarness.keyed(op, EncodedKey.ofKv(StringUtf8Coder.of())).open()
        : OperatorTestHarness.restored(op, EncodedKey.ofKv(StringUtf8Coder.of()), 1, restored)
            .open();
  }

  private static MergingWindowOperator<String, Long, Iterable<Long>> grouping(
      WindowingStrategy<?, ?> windowing) {
    return new MergingWindowOperator<>(
        "gbk",
        StringUtf8Coder.of(),
        windowing,
        WindowContents.grouped(VarLongCoder.of()),
        new JobMetrics(),
        "out");
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  private static MergingWindowOperator<String, Long, Long> summing(
      WindowingStrategy<?, ?> windowing) throws Exception {
    CombineFn<Long, Object, Long> sum = (CombineFn) Sum.ofLongs();
    return new MergingWindowOperator<>(
        "sum",
        StringUtf8Coder.of(),
        windowing,
        WindowContents.combined(
            sum, sum.getAccumulatorCoder(CoderRegistry.createDefault(), VarLongCoder.of())),
        new JobMetrics(),
        "out");
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  private static GroupByKeyOperator<String, Long, Iterable<Long>> reduceFnRunner(
      WindowingStrategy<?, ?> windowing) {
    return new GroupByKeyOperator<>(
        "gbk",
        new SerializablePipelineOptions(PipelineOptionsFactory.create()),
        SystemReduceFn.buffering(VarLongCoder.of()),
        new TupleTag<>("out"),
        KvCoder.of(StringUtf8Coder.of(), IterableCoder.of(VarLongCoder.of())),
        windowing,
        StringUtf8Coder.of(),
        new JobMetrics());
  }

  /** One step of a run: an element, or (with a null key) a watermark. */
  private record Action(String key, long value, long time) {
    void apply(OperatorTestHarness<WindowedValue<KV<String, Long>>, ?> h) {
      try {
        if (key == null) {
          h.processWatermark(time);
        } else {
          h.processElement(element(key, value, time));
        }
      } catch (Exception e) {
        throw new AssertionError(e);
      }
    }
  }

  /**
   * A random run: elements (some behind the watermark, some in expired windows), watermarks, and at
   * the end the final watermark.
   */
  private static List<Action> script(long seed, int steps) {
    Random random = new Random(seed);
    List<Action> script = new ArrayList<>();
    long watermark = 0;
    for (int i = 0; i < steps; i++) {
      if (random.nextInt(8) == 0) {
        watermark += random.nextInt(30);
        script.add(new Action(null, 0, watermark));
      } else {
        long t = watermark - 15 + random.nextInt(60);
        script.add(new Action("k" + random.nextInt(5), i, t));
      }
    }
    script.add(new Action(null, 0, Long.MAX_VALUE));
    return script;
  }

  private static void play(
      List<Action> actions, OperatorTestHarness<WindowedValue<KV<String, Long>>, ?> h) {
    actions.forEach(a -> a.apply(h));
  }

  private static WindowedValue<KV<String, Long>> element(String key, long value, long t) {
    return WindowedValues.of(
        KV.of(key, value),
        new Instant(t),
        new IntervalWindow(new Instant(t), new Instant(t + GAP)),
        PaneInfo.NO_FIRING);
  }

  /** "key [start, end) @timestamp pane" → the values (sorted), or their sum. */
  private static <O> TreeMap<String, Object> panes(
      List<WindowedValue<KV<String, O>>> output, boolean sum) {
    TreeMap<String, Object> panes = new TreeMap<>();
    for (WindowedValue<KV<String, O>> o : output) {
      IntervalWindow w = (IntervalWindow) o.getWindows().iterator().next();
      Object value = o.getValue().getValue();
      if (value instanceof Iterable<?> values) {
        List<Long> sorted = new ArrayList<>();
        values.forEach(v -> sorted.add((Long) v));
        sorted.sort(null);
        value = sum ? sorted.stream().mapToLong(Long::longValue).sum() : sorted;
      }
      String id =
          o.getValue().getKey()
              + " ["
              + w.start().getMillis()
              + ", "
              + w.end().getMillis()
              + ") @"
              + o.getTimestamp().getMillis()
              + " "
              + o.getPaneInfo();
      assertThat(panes.put(id, value)).as("one pane per key and window: %s", id).isNull();
    }
    return panes;
  }

  @ParameterizedTest
  @EnumSource(TimestampCombiner.class)
  void groupsLikeReduceFnRunner(TimestampCombiner timestamps) throws Exception {
    for (boolean custom : List.of(false, true)) {
      for (long seed = 1; seed <= 20; seed++) {
        WindowingStrategy<?, ?> windowing = windowing(custom, timestamps);
        var script = script(seed, 400);
        try (OperatorTestHarness<
                    WindowedValue<KV<String, Long>>, WindowedValue<KV<String, Iterable<Long>>>>
                expected = harness(reduceFnRunner(windowing), null);
            OperatorTestHarness<
                    WindowedValue<KV<String, Long>>, WindowedValue<KV<String, Iterable<Long>>>>
                actual = harness(grouping(windowing), null)) {
          play(script, expected);
          play(script, actual);
          String run = "seed " + seed + (custom ? ", custom WindowFn" : "");
          assertThat(expected.output()).as(run).isNotEmpty();
          assertThat(panes(actual.output(), false))
              .as(run)
              .isEqualTo(panes(expected.output(), false));
          assertThat(actual.watermarks()).as(run).isEqualTo(expected.watermarks());
        }
      }
    }
  }

  @ParameterizedTest
  @EnumSource(TimestampCombiner.class)
  void combinesWhatItWouldGroup(TimestampCombiner timestamps) throws Exception {
    for (boolean custom : List.of(false, true)) {
      for (long seed = 1; seed <= 10; seed++) {
        WindowingStrategy<?, ?> windowing = windowing(custom, timestamps);
        var script = script(seed, 400);
        try (OperatorTestHarness<
                    WindowedValue<KV<String, Long>>, WindowedValue<KV<String, Iterable<Long>>>>
                grouped = harness(grouping(windowing), null);
            OperatorTestHarness<WindowedValue<KV<String, Long>>, WindowedValue<KV<String, Long>>>
                summed = harness(summing(windowing), null)) {
          play(script, grouped);
          play(script, summed);
          assertThat(summed.output()).isNotEmpty();
          assertThat(panes(summed.output(), true)).isEqualTo(panes(grouped.output(), true));
          assertThat(summed.watermarks()).isEqualTo(grouped.watermarks());
        }
      }
    }
  }

  @Test
  void aRestoredSnapshotGoesOnAsIfNothingHappened() throws Exception {
    for (TimestampCombiner timestamps : TimestampCombiner.values()) {
      for (long seed = 1; seed <= 10; seed++) {
        WindowingStrategy<?, ?> windowing = windowing(false, timestamps);
        var script = script(seed, 400);
        // Cut right after a watermark: what came after it decides holds a restore cannot know.
        int cut = script.size() / 2;
        while (script.get(cut - 1).key() != null) {
          cut++;
        }
        try (OperatorTestHarness<WindowedValue<KV<String, Long>>, WindowedValue<KV<String, Long>>>
                whole = harness(summing(windowing), null);
            OperatorTestHarness<WindowedValue<KV<String, Long>>, WindowedValue<KV<String, Long>>>
                first = harness(summing(windowing), null)) {
          play(script, whole);
          play(script.subList(0, cut), first);
          OperatorTestHarness.Snapshot snapshot = first.snapshot(1);
          try (OperatorTestHarness<WindowedValue<KV<String, Long>>, WindowedValue<KV<String, Long>>>
              second = harness(summing(windowing), snapshot)) {
            // As after a real restore, the input's watermark comes back before what follows it.
            long watermark = Long.MIN_VALUE;
            for (Action a : script.subList(0, cut)) {
              watermark = a.key() == null ? a.time() : watermark;
            }
            second.processWatermark(watermark);
            play(script.subList(cut, script.size()), second);
            List<WindowedValue<KV<String, Long>>> both = new ArrayList<>(first.output());
            both.addAll(second.output());
            assertThat(panes(both, true)).isEqualTo(panes(whole.output(), true));
            // After the restore the watermark is held as before: past where the first run left
            // it, it moves as the whole run's did.
            long before = first.watermarks().get(first.watermarks().size() - 1);
            assertThat(second.watermarks().stream().filter(w -> w > before).toList())
                .as(timestamps + " seed " + seed)
                .isEqualTo(whole.watermarks().stream().filter(w -> w > before).toList());
          }
        }
      }
    }
  }

  @Test
  void aSessionThatMergesTwoLiveOnesKeepsOneStateWindowAndOneTimerFiring() throws Exception {
    try (OperatorTestHarness<
            WindowedValue<KV<String, Long>>, WindowedValue<KV<String, Iterable<Long>>>>
        h = harness(grouping(windowing(false, TimestampCombiner.END_OF_WINDOW)), null)) {
      h.processElement(element("a", 1, 0)); // [0, 10)
      h.processElement(element("a", 2, 15)); // [15, 25)
      h.processElement(element("a", 3, 8)); // [8, 18) joins both: [0, 25)
      h.processWatermark(20);
      assertThat(h.output()).as("[0, 25) has not ended").isEmpty();
      h.processWatermark(25);
      assertThat(panes(h.output(), false))
          .isEqualTo(
              new TreeMap<>(
                  java.util.Map.of(
                      "a [0, 25) @24 " + PaneInfo.ON_TIME_AND_ONLY_FIRING, List.of(1L, 2L, 3L))));
      assertThat(h.eventTimeTimers()).as("the merged-away window's timer went quietly").isZero();
    }
  }
}
