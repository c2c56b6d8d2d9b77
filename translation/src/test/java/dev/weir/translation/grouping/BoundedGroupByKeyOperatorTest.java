package dev.weir.translation.grouping;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.weir.engine.checkpoint.SnapshotDeclinedException;
import dev.weir.engine.operator.Operator;
import dev.weir.engine.testing.OperatorTestHarness;
import dev.weir.translation.metrics.JobMetrics;
import dev.weir.translation.operators.OnTimeGroupByKeyOperator;
import dev.weir.translation.wire.EncodedKey;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.TreeMap;
import java.util.stream.Stream;
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
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The bounded GroupByKey against the keyed-state one on the same random input, held in memory and
 * spilled to many runs; its runs are deleted and checked when read back.
 */
class BoundedGroupByKeyOperatorTest {

  @TempDir Path spill;

  @SuppressWarnings({"unchecked", "rawtypes"})
  private static final Coder<BoundedWindow> WINDOWS = (Coder) IntervalWindow.getCoder();

  private BoundedGroupByKeyOperator<String, Long> bounded(TimestampCombiner timestamps) {
    return new BoundedGroupByKeyOperator<>(
        "gbk",
        StringUtf8Coder.of(),
        VarLongCoder.of(),
        WINDOWS,
        timestamps,
        spill.toString(),
        new JobMetrics(),
        "out");
  }

  private static OnTimeGroupByKeyOperator<String, Long> keyedState(TimestampCombiner timestamps) {
    return new OnTimeGroupByKeyOperator<>(
        "gbk",
        StringUtf8Coder.of(),
        VarLongCoder.of(),
        WINDOWS,
        timestamps,
        new JobMetrics(),
        "out");
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  private static OperatorTestHarness<
          WindowedValue<KV<String, Long>>, WindowedValue<KV<String, Iterable<Long>>>>
      harness(Operator op) throws Exception {
    return OperatorTestHarness.keyed(op, EncodedKey.ofKv(StringUtf8Coder.of())).open();
  }

  /** Random elements over 300 keys, in one or two sliding windows; some behind the watermark. */
  private static List<WindowedValue<KV<String, Long>>> input(long seed, int n) {
    Random random = new Random(seed);
    List<WindowedValue<KV<String, Long>>> input = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      long t = random.nextInt(1_000);
      long start = t / 100 * 100;
      List<BoundedWindow> windows = new ArrayList<>();
      windows.add(new IntervalWindow(new Instant(start), new Instant(start + 100)));
      if (random.nextBoolean()) {
        windows.add(new IntervalWindow(new Instant(start - 50), new Instant(start + 50)));
      }
      input.add(
          WindowedValues.of(
              KV.of("key-" + random.nextInt(300), (long) i),
              new Instant(t),
              windows,
              PaneInfo.NO_FIRING));
    }
    return input;
  }

  /** "key [start, end) @timestamp" → sorted values; one pane each. */
  private static TreeMap<String, List<Long>> panes(
      List<WindowedValue<KV<String, Iterable<Long>>>> output) {
    TreeMap<String, List<Long>> panes = new TreeMap<>();
    for (WindowedValue<KV<String, Iterable<Long>>> o : output) {
      assertThat(o.getPaneInfo()).isEqualTo(PaneInfo.ON_TIME_AND_ONLY_FIRING);
      IntervalWindow w = (IntervalWindow) o.getWindows().iterator().next();
      List<Long> values = new ArrayList<>();
      o.getValue().getValue().forEach(values::add);
      values.sort(null);
      String id =
          o.getValue().getKey()
              + " ["
              + w.start().getMillis()
              + ", "
              + w.end().getMillis()
              + ") @"
              + o.getTimestamp().getMillis();
      assertThat(panes.put(id, values)).as("one pane per key and window: %s", id).isNull();
    }
    return panes;
  }

  @ParameterizedTest
  @EnumSource(TimestampCombiner.class)
  void groupsAsKeyedStateDoesInMemoryAndSpilledToRuns(TimestampCombiner timestamps)
      throws Exception {
    for (long runBytes : new long[] {Long.MAX_VALUE, 4_096}) {
      List<WindowedValue<KV<String, Long>>> input = input(runBytes, 5_000);
      BoundedGroupByKeyOperator<String, Long> op = bounded(timestamps).spillingAbove(runBytes);
      try (var expected = harness(keyedState(timestamps));
          var actual = harness(op)) {
        for (var h : List.of(expected, actual)) {
          for (int i = 0; i < input.size(); i++) {
            h.processElement(input.get(i));
            if (i == input.size() / 2) {
              h.processWatermark(300); // what follows for windows ending before 300 is dropped
            }
          }
          h.endInput();
        }
        assertThat(actual.output()).isNotEmpty();
        assertThat(panes(actual.output())).isEqualTo(panes(expected.output()));
        assertThat(actual.watermarks()).as("held until the end").containsExactly(Long.MAX_VALUE);
        if (runBytes == Long.MAX_VALUE) {
          assertThat(op.runsWritten).isZero();
        } else {
          assertThat(op.runsWritten).as("runs written").isGreaterThan(10);
        }
      }
      try (Stream<Path> left = Files.walk(spill)) {
        assertThat(left.filter(Files::isRegularFile).toList()).as("runs deleted").isEmpty();
      }
    }
  }

  @Test
  void aCorruptRunIsRefusedNamingTheFile() throws Exception {
    Path file = Files.createTempFile(spill, "run-", ".bin");
    Files.write(file, new byte[] {'W', 'R', 'U', 'N', 1, 0, 0, 0, 3, 'a'});
    try (SortedRun run = new SortedRun(file)) {
      assertThatThrownBy(run::advance)
          .isInstanceOf(IOException.class)
          .hasMessageContaining(file.toString())
          .hasMessageContaining("ends in the middle of a group");
    }
    Files.write(file, new byte[] {'W', 'R', 'U', 'N', 1, (byte) 0xff, 0, 0, 0});
    try (SortedRun run = new SortedRun(file)) {
      assertThatThrownBy(run::advance)
          .isInstanceOf(IOException.class)
          .hasMessageContaining("key of");
    }
    Files.write(file, new byte[] {'N', 'O', 'P', 'E', 1});
    assertThatThrownBy(() -> new SortedRun(file))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("not a grouping run");
  }

  @Test
  void aSnapshotIsDeclinedNamingTheStep() throws Exception {
    try (var h = harness(bounded(TimestampCombiner.END_OF_WINDOW))) {
      assertThatThrownBy(() -> h.snapshot(1))
          .isInstanceOf(SnapshotDeclinedException.class)
          .hasMessageContaining("GroupByKey 'gbk'")
          .hasMessageContaining("--checkpointingInterval");
    }
  }
}
