package dev.weir.translation.state;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weir.state.KeyGroupRange;
import dev.weir.state.KeyedStateBackend;
import dev.weir.state.heap.HeapStateBackendFactory;
import dev.weir.state.serialization.TypeSerializer;
import dev.weir.translation.wire.EncodedKey;
import org.apache.beam.runners.core.StateNamespace;
import org.apache.beam.runners.core.StateNamespaces;
import org.apache.beam.runners.core.StateTag;
import org.apache.beam.runners.core.StateTags;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.coders.VarLongCoder;
import org.apache.beam.sdk.state.BagState;
import org.apache.beam.sdk.state.ValueState;
import org.apache.beam.sdk.state.WatermarkHoldState;
import org.apache.beam.sdk.transforms.windowing.GlobalWindow;
import org.apache.beam.sdk.transforms.windowing.IntervalWindow;
import org.apache.beam.sdk.transforms.windowing.TimestampCombiner;
import org.joda.time.Instant;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** States bound once and reused across keys still read and write the current key's state. */
class BoundStatesTest {

  private static final StateTag<ValueState<Long>> VALUE =
      StateTags.value("value", VarLongCoder.of());
  private static final StateTag<BagState<String>> BAG = StateTags.bag("bag", StringUtf8Coder.of());
  private static final StateTag<WatermarkHoldState> HOLD =
      StateTags.watermarkStateInternal("hold", TimestampCombiner.EARLIEST);

  private final KeyedStateBackend<Object> backend = backend();
  private final WatermarkHolds holds = new WatermarkHolds();
  private final WeirStateInternals state =
      new WeirStateInternals(backend, StringUtf8Coder.of(), holds, false);
  private final StateNamespace global =
      StateNamespaces.window(GlobalWindow.Coder.INSTANCE, GlobalWindow.INSTANCE);

  @AfterEach
  void close() {
    backend.close();
  }

  @Test
  void aStateBoundForOneKeyServesTheNextKey() throws Exception {
    key("a");
    ValueState<Long> first = state.state(global, VALUE);
    first.write(1L);
    state.state(global, BAG).add("x");

    key("b");
    ValueState<Long> again = state.state(global, VALUE);
    assertThat(again).isSameAs(first);
    assertThat(again.read()).isNull();
    again.write(2L);
    assertThat(state.state(global, BAG).read()).isEmpty();

    key("a");
    assertThat(state.state(global, VALUE).read()).isEqualTo(1L);
    assertThat(state.state(global, BAG).read()).containsExactly("x");
    key("b");
    assertThat(state.state(global, VALUE).read()).isEqualTo(2L);
  }

  @Test
  void statesOfOtherNamespacesAreTheirOwn() throws Exception {
    key("a");
    StateNamespace window =
        StateNamespaces.window(
            IntervalWindow.getCoder(), new IntervalWindow(new Instant(0), new Instant(10)));
    state.state(global, VALUE).write(1L);
    state.state(window, VALUE).write(5L);

    assertThat(state.state(global, VALUE).read()).isEqualTo(1L);
    assertThat(state.state(window, VALUE).read()).isEqualTo(5L);
  }

  @Test
  void watermarkHoldsAreBoundPerKey() throws Exception {
    key("a");
    state.state(global, HOLD).add(new Instant(10));
    key("b");
    state.state(global, HOLD).add(new Instant(20));
    assertThat(holds.size()).isEqualTo(2);

    key("a");
    state.state(global, HOLD).clear();
    // Only a's hold went: b's still holds the watermark back.
    assertThat(holds.min()).isEqualTo(20L);
  }

  private void key(String key) throws Exception {
    backend.setCurrentKey(EncodedKey.encode(StringUtf8Coder.of(), key));
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  private static KeyedStateBackend<Object> backend() {
    try {
      return HeapStateBackendFactory.INSTANCE.create(
          "test", 0, (TypeSerializer) new EncodedKey.Serializer(), KeyGroupRange.of(0, 127), 128);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
