package dev.weir.translation.wire;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.apache.beam.sdk.coders.ByteArrayCoder;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.ListCoder;
import org.apache.beam.sdk.coders.NullableCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.coders.VarLongCoder;
import org.apache.beam.sdk.transforms.windowing.GlobalWindow;
import org.apache.beam.sdk.transforms.windowing.IntervalWindow;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.WindowedValues;
import org.junit.jupiter.api.Test;

/**
 * What the heap backend may share with a snapshot and what it must copy, judged from Beam coders.
 */
class CoderSerializerTest {

  @Test
  void valuesOfImmutableCodersAndOfContainersOfThemAreShared() {
    assertThat(new CoderSerializer<>(VarLongCoder.of()).isImmutableType()).isTrue();
    assertThat(
            new CoderSerializer<>(
                    KvCoder.of(StringUtf8Coder.of(), NullableCoder.of(VarLongCoder.of())))
                .isImmutableType())
        .isTrue();
    assertThat(
            new CoderSerializer<>(
                    WindowedValues.getFullCoder(VarLongCoder.of(), IntervalWindow.getCoder()))
                .isImmutableType())
        .isTrue();
    assertThat(
            new CoderSerializer<>(
                    WindowedValues.getFullCoder(StringUtf8Coder.of(), GlobalWindow.Coder.INSTANCE))
                .isImmutableType())
        .isTrue();
  }

  @Test
  void mutableValuesAnywhereInsideAreCopied() {
    assertThat(new CoderSerializer<>(ByteArrayCoder.of()).isImmutableType()).isFalse();
    assertThat(new CoderSerializer<>(ListCoder.of(VarLongCoder.of())).isImmutableType()).isFalse();
    assertThat(
            new CoderSerializer<>(KvCoder.of(StringUtf8Coder.of(), ByteArrayCoder.of()))
                .isImmutableType())
        .isFalse();
    assertThat(
            new CoderSerializer<>(
                    WindowedValues.getFullCoder(ByteArrayCoder.of(), IntervalWindow.getCoder()))
                .isImmutableType())
        .isFalse();
  }

  @Test
  void aCopyIsEqualAndIndependent() throws Exception {
    CoderSerializer<KV<String, byte[]>> kvs =
        new CoderSerializer<>(KvCoder.of(StringUtf8Coder.of(), ByteArrayCoder.of()));
    KV<String, byte[]> original = KV.of("k", new byte[] {1, 2});
    KV<String, byte[]> copy = kvs.copy(original);
    original.getValue()[0] = 9;
    assertThat(copy.getKey()).isEqualTo("k");
    assertThat(copy.getValue()).containsExactly(1, 2);

    CoderSerializer<List<Long>> lists = new CoderSerializer<>(ListCoder.of(VarLongCoder.of()));
    List<Long> list = new ArrayList<>(List.of(1L, 2L));
    List<Long> listCopy = lists.copy(list);
    list.add(3L);
    assertThat(listCopy).containsExactly(1L, 2L);
    assertThat(lists.copy(listCopy)).isNotSameAs(listCopy).isEqualTo(listCopy);
    assertThat(lists.duplicate()).as("copies use a buffer per instance").isNotSameAs(lists);
  }
}
