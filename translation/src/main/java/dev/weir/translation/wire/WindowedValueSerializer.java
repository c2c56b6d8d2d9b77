package dev.weir.translation.wire;

import dev.weir.state.serialization.DataInputView;
import dev.weir.state.serialization.DataOutputView;
import dev.weir.state.serialization.TypeSerializer;
import java.io.IOException;
import java.util.Collection;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.apache.beam.sdk.transforms.windowing.GlobalWindow;
import org.apache.beam.sdk.transforms.windowing.PaneInfo;
import org.apache.beam.sdk.values.CausedByDrain;
import org.apache.beam.sdk.values.WindowedValue;
import org.apache.beam.sdk.values.WindowedValues;
import org.joda.time.Instant;

/**
 * Elements on the wire between Weir's tasks. The commonest element (in the global window, no pane,
 * not drained) goes as a tag byte, its timestamp and its value: Beam's full windowed-value encoding
 * writes and reads back a window collection, a pane and metadata for it, which was a tenth of a
 * batch GroupByKey's receiving side. Any other element goes as a tag byte and Beam's encoding. A
 * tag that is neither is refused as corrupt.
 */
public final class WindowedValueSerializer<T> implements TypeSerializer<WindowedValue<T>> {

  private static final long serialVersionUID = 1L;

  private static final int IN_GLOBAL_WINDOW = 0;
  private static final int FULL = 1;

  private final Coder<T> valueCoder;
  private final CoderSerializer<WindowedValue<T>> full;

  /**
   * The timestamp of the last element read: consecutive elements often share their timestamp, and
   * an Instant is immutable, so it is reused (24 of the ~160 bytes a keyed receiver allocated per
   * record). One reference whose millis are checked: harmless even if threads shared it.
   */
  private transient Instant lastTimestamp;

  public WindowedValueSerializer(Coder<T> valueCoder, Coder<? extends BoundedWindow> windowCoder) {
    this(valueCoder, new CoderSerializer<>(WindowedValues.getFullCoder(valueCoder, windowCoder)));
  }

  private WindowedValueSerializer(Coder<T> valueCoder, CoderSerializer<WindowedValue<T>> full) {
    this.valueCoder = valueCoder;
    this.full = full;
  }

  /** The Beam coder of the elements (Beam's full windowed-value coder). */
  public Coder<WindowedValue<T>> coder() {
    return full.coder();
  }

  private static boolean inGlobalWindowOnly(WindowedValue<?> element) {
    if (element.getPaneInfo() != PaneInfo.NO_FIRING
        || element.causedByDrain() != CausedByDrain.NORMAL) {
      return false;
    }
    Collection<? extends BoundedWindow> windows = element.getWindows();
    return windows.size() == 1 && windows.iterator().next() instanceof GlobalWindow;
  }

  @Override
  public void serialize(WindowedValue<T> element, DataOutputView target) throws IOException {
    if (inGlobalWindowOnly(element)) {
      target.writeByte(IN_GLOBAL_WINDOW);
      target.writeLong(element.getTimestamp().getMillis());
      valueCoder.encode(element.getValue(), target);
    } else {
      target.writeByte(FULL);
      full.serialize(element, target);
    }
  }

  @Override
  public WindowedValue<T> deserialize(DataInputView source) throws IOException {
    int tag = source.readUnsignedByte();
    switch (tag) {
      case IN_GLOBAL_WINDOW -> {
        long millis = source.readLong();
        T value = valueCoder.decode(source);
        Instant timestamp = lastTimestamp;
        if (timestamp == null || timestamp.getMillis() != millis) {
          timestamp = new Instant(millis);
          lastTimestamp = timestamp;
        }
        return WindowedValues.timestampedValueInGlobalWindow(value, timestamp);
      }
      case FULL -> {
        return full.deserialize(source);
      }
      default -> throw new IOException("corrupt record: unknown element tag " + tag);
    }
  }

  @Override
  public boolean isImmutableType() {
    return full.isImmutableType();
  }

  @Override
  public WindowedValue<T> copy(WindowedValue<T> value) throws IOException {
    return full.copy(value);
  }

  @Override
  public TypeSerializer<WindowedValue<T>> duplicate() {
    return new WindowedValueSerializer<>(
        valueCoder, (CoderSerializer<WindowedValue<T>>) full.duplicate());
  }

  @Override
  public String toString() {
    return "WindowedValueSerializer(" + full.coder() + ")";
  }
}
