package dev.weir.translation.merging;

import dev.weir.state.serialization.DataInputView;
import dev.weir.state.serialization.DataOutputView;
import dev.weir.state.serialization.TypeSerializer;
import java.io.IOException;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;

/**
 * Writes a {@link MergedWindows}: a format version, the number of entries, then per entry the
 * window, its state window (a flag when it is the window itself) and its hold. What it reads back
 * is checked: an unknown version or an impossible count is a corrupt snapshot, not an
 * OutOfMemoryError.
 */
final class MergedWindowsSerializer implements TypeSerializer<MergedWindows> {

  private static final int VERSION = 1;
  private static final int SAME_WINDOW = 0;
  private static final int OTHER_WINDOW = 1;

  private final TypeSerializer<BoundedWindow> windows;

  MergedWindowsSerializer(TypeSerializer<BoundedWindow> windows) {
    this.windows = windows;
  }

  @Override
  public void serialize(MergedWindows value, DataOutputView target) throws IOException {
    target.writeByte(VERSION);
    target.writeInt(value.size());
    for (int i = 0; i < value.size(); i++) {
      BoundedWindow window = value.window(i);
      BoundedWindow state = value.stateWindow(i);
      windows.serialize(window, target);
      if (state.equals(window)) {
        target.writeByte(SAME_WINDOW);
      } else {
        target.writeByte(OTHER_WINDOW);
        windows.serialize(state, target);
      }
      target.writeLong(value.hold(i));
    }
  }

  @Override
  public MergedWindows deserialize(DataInputView source) throws IOException {
    int version = source.readUnsignedByte();
    if (version != VERSION) {
      throw new IOException(
          "merged windows in format version " + version + ", expected " + VERSION);
    }
    int size = source.readInt();
    // Each entry takes at least a flag and a hold: more than the bytes left is corrupt.
    if (size < 0 || size > source.remaining() / 9) {
      throw new IOException("corrupt merged windows: " + size + " entries");
    }
    MergedWindows value = new MergedWindows(Math.max(2, size));
    for (int i = 0; i < size; i++) {
      BoundedWindow window = windows.deserialize(source);
      int flag = source.readUnsignedByte();
      BoundedWindow state =
          switch (flag) {
            case SAME_WINDOW -> window;
            case OTHER_WINDOW -> windows.deserialize(source);
            default -> throw new IOException("corrupt merged windows: state window flag " + flag);
          };
      value.insert(i, window, state, source.readLong());
    }
    return value;
  }

  @Override
  public MergedWindows copy(MergedWindows value) {
    return value == null ? null : value.copy();
  }

  @Override
  public TypeSerializer<MergedWindows> duplicate() {
    TypeSerializer<BoundedWindow> own = windows.duplicate();
    return own == windows ? this : new MergedWindowsSerializer(own);
  }
}
