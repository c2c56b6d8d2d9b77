package dev.weir.translation.combine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weir.engine.testing.OperatorTestHarness;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.HashMap;
import java.util.Map;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.coders.CoderRegistry;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.coders.VarLongCoder;
import org.apache.beam.sdk.transforms.Combine;
import org.apache.beam.sdk.transforms.Sum;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.apache.beam.sdk.transforms.windowing.IntervalWindow;
import org.apache.beam.sdk.transforms.windowing.PaneInfo;
import org.apache.beam.sdk.transforms.windowing.TimestampCombiner;
import org.apache.beam.sdk.util.CoderUtils;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.WindowedValue;
import org.apache.beam.sdk.values.WindowedValues;
import org.joda.time.Instant;
import org.junit.jupiter.api.Test;

/**
 * Accumulators a checkpoint stores instead of sending on, and their restore (also merged, as after
 * a rescale).
 */
class PartialCombineOperatorTest {

  @SuppressWarnings({"unchecked", "rawtypes"})
  private static PartialCombineOperator<String, Long, long[]> operator() {
    Combine.BinaryCombineLongFn fn = Sum.ofLongs();
    Coder accumulatorCoder =
        fn.getAccumulatorCoder(CoderRegistry.createDefault(), VarLongCoder.of());
    return new PartialCombineOperator(
        fn,
        StringUtf8Coder.of(),
        accumulatorCoder,
        (Coder) IntervalWindow.getCoder(),
        TimestampCombiner.EARLIEST,
        1_000);
  }

  private static WindowedValue<KV<String, Long>> value(String key, long v, BoundedWindow window) {
    return WindowedValues.of(KV.of(key, v), new Instant(v), window, PaneInfo.NO_FIRING);
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Long> sums(OperatorTestHarness<?, ?> harness) {
    Map<String, Long> sums = new HashMap<>();
    for (Object o : harness.output()) {
      KV<String, long[]> kv = ((WindowedValue<KV<String, long[]>>) o).getValue();
      sums.merge(
          kv.getKey() + "@" + ((WindowedValue<?>) o).getWindows().iterator().next(),
          kv.getValue()[0],
          Long::sum);
    }
    return sums;
  }

  @Test
  void aSnapshotKeepsTheAccumulatorsAndTwoRestoredSnapshotsMerge() throws Exception {
    IntervalWindow w1 = new IntervalWindow(new Instant(0), new Instant(1_000));
    IntervalWindow w2 = new IntervalWindow(new Instant(1_000), new Instant(2_000));
    byte[] first;
    byte[] second;
    PartialCombineOperator<String, Long, long[]> opA = operator();
    PartialCombineOperator<String, Long, long[]> opB = operator();
    try (OperatorTestHarness<WindowedValue<KV<String, Long>>, WindowedValue<KV<String, long[]>>> a =
            OperatorTestHarness.of(opA).open();
        OperatorTestHarness<WindowedValue<KV<String, Long>>, WindowedValue<KV<String, long[]>>> b =
            OperatorTestHarness.of(opB).open()) {
      a.processElement(value("x", 1, w1));
      a.processElement(value("x", 2, w1));
      a.processElement(value("y", 5, w2));
      b.processElement(value("x", 10, w1));
      b.processElement(value("z", 7, w2));
      first = opA.snapshotOperatorState(1);
      second = opB.snapshotOperatorState(1);
      assertThat(a.output()).as("a checkpoint sends nothing on").isEmpty();
      assertThat(b.output()).isEmpty();
    }
    PartialCombineOperator<String, Long, long[]> restored = operator();
    restored.restoreOperatorState(first);
    restored.restoreOperatorState(second);
    try (OperatorTestHarness<WindowedValue<KV<String, Long>>, WindowedValue<KV<String, long[]>>> c =
        OperatorTestHarness.of(restored).open()) {
      c.processElement(value("y", 100, w2));
      c.endInput();
      assertThat(sums(c)).isEqualTo(Map.of("x@" + w1, 13L, "y@" + w2, 105L, "z@" + w2, 7L));
      assertThat(c.output()).as("one accumulator per key and window").hasSize(3);
    }
  }

  /**
   * The operator state is the accumulators at the barrier: input after it changes them in place
   * (Sum's long[]), not the snapshot.
   */
  @Test
  void aSnapshotIsNotChangedByInputAfterTheBarrier() throws Exception {
    IntervalWindow w = new IntervalWindow(new Instant(0), new Instant(1_000));
    PartialCombineOperator<String, Long, long[]> op = operator();
    byte[] snapshot;
    try (OperatorTestHarness<WindowedValue<KV<String, Long>>, WindowedValue<KV<String, long[]>>> a =
        OperatorTestHarness.of(op).open()) {
      a.processElement(value("x", 1, w));
      a.processElement(value("y", 2, w));
      snapshot = op.snapshotOperatorState(1);
      a.processElement(value("x", 100, w));
      a.processElement(value("y", 200, w));
      a.endInput();
      assertThat(sums(a)).isEqualTo(Map.of("x@" + w, 101L, "y@" + w, 202L));
    }
    PartialCombineOperator<String, Long, long[]> restored = operator();
    restored.restoreOperatorState(snapshot);
    try (OperatorTestHarness<WindowedValue<KV<String, Long>>, WindowedValue<KV<String, long[]>>> b =
        OperatorTestHarness.of(restored).open()) {
      b.endInput();
      assertThat(sums(b)).isEqualTo(Map.of("x@" + w, 1L, "y@" + w, 2L));
    }
  }

  /**
   * The snapshot's bytes are the documented layout: length-prefixed outer encodings (checkpoints of
   * earlier builds restore).
   */
  @Test
  void theSnapshotLayoutIsLengthPrefixedOuterEncodings() throws Exception {
    IntervalWindow w = new IntervalWindow(new Instant(0), new Instant(1_000));
    PartialCombineOperator<String, Long, long[]> op = operator();
    byte[] snapshot;
    try (OperatorTestHarness<WindowedValue<KV<String, Long>>, WindowedValue<KV<String, long[]>>> a =
        OperatorTestHarness.of(op).open()) {
      a.processElement(value("x", 5, w));
      snapshot = op.snapshotOperatorState(1);
    }
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    DataOutputStream out = new DataOutputStream(body);
    out.writeInt(1);
    writeLengthPrefixed(out, CoderUtils.encodeToByteArray(IntervalWindow.getCoder(), w));
    out.writeInt(1);
    writeLengthPrefixed(out, CoderUtils.encodeToByteArray(StringUtf8Coder.of(), "x"));
    @SuppressWarnings({"unchecked", "rawtypes"})
    Coder<long[]> accumulators =
        (Coder)
            ((Combine.BinaryCombineLongFn) Sum.ofLongs())
                .getAccumulatorCoder(CoderRegistry.createDefault(), VarLongCoder.of());
    writeLengthPrefixed(out, CoderUtils.encodeToByteArray(accumulators, new long[] {5}));
    out.writeLong(5);
    ByteArrayOutputStream expected = new ByteArrayOutputStream();
    DataOutputStream header = new DataOutputStream(expected);
    header.writeInt(0x57434D42); // "WCMB"
    header.writeInt(2); // format version
    header.write(body.toByteArray());
    assertThat(snapshot).isEqualTo(expected.toByteArray());

    // Version 1, the same without the header, still restores.
    PartialCombineOperator<String, Long, long[]> restored = operator();
    restored.restoreOperatorState(body.toByteArray());
    try (OperatorTestHarness<WindowedValue<KV<String, Long>>, WindowedValue<KV<String, long[]>>> b =
        OperatorTestHarness.of(restored).open()) {
      assertThat(restored.snapshotOperatorState(2)).isEqualTo(expected.toByteArray());
    }
  }

  private static void writeLengthPrefixed(DataOutputStream out, byte[] bytes) throws IOException {
    out.writeInt(bytes.length);
    out.write(bytes);
  }
}
