package dev.weir.translation.merging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.weir.state.serialization.DataInputView;
import dev.weir.state.serialization.DataOutputView;
import dev.weir.translation.wire.CoderSerializer;
import java.io.IOException;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.transforms.windowing.IntervalWindow;
import org.joda.time.Instant;
import org.junit.jupiter.api.Test;

/** A key's merged windows survive a snapshot; corrupt bytes are refused, not believed. */
class MergedWindowsSerializerTest {

  @SuppressWarnings({"unchecked", "rawtypes"})
  private final MergedWindowsSerializer serializer =
      new MergedWindowsSerializer(new CoderSerializer<>((Coder) IntervalWindow.getCoder()));

  private static IntervalWindow window(long start, long end) {
    return new IntervalWindow(new Instant(start), new Instant(end));
  }

  private byte[] bytes(MergedWindows windows) throws IOException {
    DataOutputView out = new DataOutputView(64);
    serializer.serialize(windows, out);
    return out.toByteArray();
  }

  private MergedWindows read(byte[] bytes) throws IOException {
    DataInputView in = new DataInputView();
    in.setBuffer(bytes, 0, bytes.length);
    return serializer.deserialize(in);
  }

  @Test
  void writesAndReadsWindowsStateWindowsAndHolds() throws IOException {
    MergedWindows windows = new MergedWindows();
    windows.insert(0, window(0, 25), window(0, 10), 3);
    windows.insert(1, window(40, 50), window(40, 50), 41);
    MergedWindows back = read(bytes(windows));
    assertThat(back.toString()).isEqualTo(windows.toString());
    assertThat(back.stateWindow(1)).isSameAs(back.window(1));
    MergedWindows copy = serializer.copy(windows);
    copy.remove(0);
    assertThat(windows.size()).as("a copy is independent").isEqualTo(2);
  }

  @Test
  void refusesAnUnknownVersionAndImpossibleCounts() throws IOException {
    MergedWindows windows = new MergedWindows();
    windows.insert(0, window(0, 10), window(0, 10), 0);
    byte[] good = bytes(windows);
    byte[] version = good.clone();
    version[0] = 9;
    assertThatThrownBy(() -> read(version))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("version 9");
    byte[] huge = good.clone();
    huge[1] = 0x7f; // entry count far beyond the bytes that follow
    assertThatThrownBy(() -> read(huge))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("entries");
    byte[] negative = good.clone();
    negative[1] = (byte) 0x80;
    assertThatThrownBy(() -> read(negative))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("entries");
  }
}
