package dev.weir.translation.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.weir.state.serialization.DataInputView;
import dev.weir.state.serialization.DataOutputView;
import java.io.IOException;
import java.util.List;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.apache.beam.sdk.transforms.windowing.GlobalWindow;
import org.apache.beam.sdk.transforms.windowing.IntervalWindow;
import org.apache.beam.sdk.transforms.windowing.PaneInfo;
import org.apache.beam.sdk.values.CausedByDrain;
import org.apache.beam.sdk.values.WindowedValue;
import org.apache.beam.sdk.values.WindowedValues;
import org.joda.time.Instant;
import org.junit.jupiter.api.Test;

/** Elements survive the wire in both forms; the short one is used where it applies. */
class WindowedValueSerializerTest {

  private final WindowedValueSerializer<String> serializer =
      new WindowedValueSerializer<>(StringUtf8Coder.of(), GlobalWindow.Coder.INSTANCE);

  private byte[] write(WindowedValueSerializer<String> s, WindowedValue<String> element)
      throws IOException {
    DataOutputView out = new DataOutputView(32);
    s.serialize(element, out);
    return out.toByteArray();
  }

  private WindowedValue<String> read(WindowedValueSerializer<String> s, byte[] bytes)
      throws IOException {
    return s.deserialize(new DataInputView(bytes));
  }

  @Test
  void globalWindowElementsTakeTheShortFormAndOthersBeamsEncoding() throws IOException {
    List<WindowedValue<String>> elements =
        List.of(
            WindowedValues.valueInGlobalWindow("a"),
            WindowedValues.timestampedValueInGlobalWindow("b", new Instant(42)),
            WindowedValues.valueInGlobalWindow("c", PaneInfo.ON_TIME_AND_ONLY_FIRING),
            WindowedValues.of(
                "d",
                new Instant(7),
                List.of(GlobalWindow.INSTANCE),
                PaneInfo.NO_FIRING,
                null,
                null,
                CausedByDrain.CAUSED_BY_DRAIN));
    for (WindowedValue<String> e : elements) {
      byte[] bytes = write(serializer, e);
      WindowedValue<String> back = read(serializer, bytes);
      assertThat(back.getValue()).isEqualTo(e.getValue());
      assertThat(back.getTimestamp()).isEqualTo(e.getTimestamp());
      assertThat(List.copyOf(back.getWindows())).isEqualTo(List.copyOf(e.getWindows()));
      assertThat(back.getPaneInfo()).isEqualTo(e.getPaneInfo());
    }
    assertThat(write(serializer, elements.get(1))).as("tag, timestamp, value").hasSize(1 + 8 + 2);
    assertThat(write(serializer, elements.get(2))[0])
        .as("a pane: Beam's encoding")
        .isEqualTo((byte) 1);
  }

  @Test
  void consecutiveElementsAtOneTimestampShareItsInstantAndOthersGetTheirOwn() throws IOException {
    long[] millis = {5, 5, 5, 9, 5, Long.MIN_VALUE / 1000, 0, 0};
    WindowedValue<String> previous = null;
    for (int i = 0; i < millis.length; i++) {
      WindowedValue<String> e =
          WindowedValues.timestampedValueInGlobalWindow("v" + i, new Instant(millis[i]));
      WindowedValue<String> back = read(serializer, write(serializer, e));
      assertThat(back.getValue()).isEqualTo("v" + i);
      assertThat(back.getTimestamp().getMillis()).isEqualTo(millis[i]);
      if (previous != null && millis[i] == millis[i - 1]) {
        assertThat(back.getTimestamp()).isSameAs(previous.getTimestamp());
      }
      previous = back;
    }
  }

  @Test
  @SuppressWarnings({"unchecked", "rawtypes"})
  void otherWindowsGoThroughBeamsEncoding() throws IOException {
    WindowedValueSerializer<String> intervals =
        new WindowedValueSerializer<>(
            StringUtf8Coder.of(), (org.apache.beam.sdk.coders.Coder) IntervalWindow.getCoder());
    BoundedWindow w = new IntervalWindow(new Instant(0), new Instant(10));
    WindowedValue<String> e = WindowedValues.of("x", new Instant(3), w, PaneInfo.NO_FIRING);
    WindowedValue<String> back = read(intervals, write(intervals, e));
    assertThat(List.copyOf(back.getWindows())).isEqualTo(List.of(w));
    assertThat(back.getValue()).isEqualTo("x");
  }

  @Test
  void anUnknownTagIsRefused() {
    assertThatThrownBy(() -> read(serializer, new byte[] {9, 0, 0}))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("unknown element tag 9");
  }
}
