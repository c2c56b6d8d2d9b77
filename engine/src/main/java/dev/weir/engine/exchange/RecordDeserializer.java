package dev.weir.engine.exchange;

import dev.weir.state.serialization.DataInputView;
import dev.weir.state.serialization.TypeSerializer;
import java.io.IOException;
import java.util.Arrays;

/**
 * Reads the records of one channel back from its buffers, in the format of {@link RecordWriter}. A
 * record that continues in the next buffer is gathered in a spill array. An in-band watermark comes
 * back as {@link #WATERMARK}, its value from {@link #watermark()}. Single-threaded.
 */
public final class RecordDeserializer<T> {

  /** Returned by {@link #next()} in place of a record when the next frame is a watermark. */
  public static final Object WATERMARK =
      new Object() {
        @Override
        public String toString() {
          return "WATERMARK";
        }
      };

  private long watermark;

  private final TypeSerializer<T> serializer;
  private final DataInputView view = new DataInputView();
  private byte[] memory;
  private int position;
  private int limit;

  /** Bytes of a record (header, then body) that started in an earlier buffer. */
  private byte[] spill = new byte[64];

  private int spilled;
  private int headerBytes; // 0..4 of the length header gathered in spill
  private int pendingLength = -1; // body length once the header is complete
  private boolean pendingWatermark; // the spanning frame is a watermark, not a record

  public RecordDeserializer(TypeSerializer<T> serializer) {
    this.serializer = serializer;
  }

  public void setBuffer(NetworkBuffer buffer) {
    this.memory = buffer.memory();
    this.position = 0;
    this.limit = buffer.size();
  }

  /** Whether a record is partially read, waiting for the next buffer. */
  public boolean hasPartialRecord() {
    return headerBytes > 0 || pendingLength >= 0;
  }

  /** The watermark of the last {@link #WATERMARK} frame. */
  public long watermark() {
    return watermark;
  }

  /**
   * The next whole record of the current buffer, {@link #WATERMARK} for a watermark frame, or
   * {@code null} when the buffer is used up.
   */
  public Object next() throws IOException {
    if (headerBytes > 0 || pendingLength >= 0) {
      return continueSpanning();
    }
    int available = limit - position;
    if (available == 0) {
      return null;
    }
    if (available < 4) {
      System.arraycopy(memory, position, spill, 0, available);
      headerBytes = available;
      position = limit;
      return null;
    }
    byte[] m = memory;
    int p = position;
    int length =
        ((m[p] & 0xff) << 24)
            | ((m[p + 1] & 0xff) << 16)
            | ((m[p + 2] & 0xff) << 8)
            | (m[p + 3] & 0xff);
    p += 4;
    boolean isWatermark = length == RecordWriter.WATERMARK_FRAME;
    if (isWatermark) {
      length = 8;
    }
    if (limit - p >= length) {
      position = p + length;
      if (isWatermark) {
        watermark = readLong(m, p);
        return WATERMARK;
      }
      view.setBuffer(m, p, length);
      return serializer.deserialize(view);
    }
    pendingWatermark = isWatermark;
    position = p;
    pendingLength = length;
    spilled = 0;
    ensureSpill(length);
    gatherBody();
    return null;
  }

  private Object continueSpanning() throws IOException {
    if (pendingLength < 0) {
      int n = Math.min(4 - headerBytes, limit - position);
      System.arraycopy(memory, position, spill, headerBytes, n);
      position += n;
      headerBytes += n;
      if (headerBytes < 4) {
        return null;
      }
      pendingLength =
          ((spill[0] & 0xff) << 24)
              | ((spill[1] & 0xff) << 16)
              | ((spill[2] & 0xff) << 8)
              | (spill[3] & 0xff);
      pendingWatermark = pendingLength == RecordWriter.WATERMARK_FRAME;
      if (pendingWatermark) {
        pendingLength = 8;
      }
      headerBytes = 0;
      spilled = 0;
      ensureSpill(pendingLength);
    }
    gatherBody();
    if (spilled < pendingLength) {
      return null;
    }
    int length = pendingLength;
    pendingLength = -1;
    spilled = 0;
    if (pendingWatermark) {
      pendingWatermark = false;
      watermark = readLong(spill, 0);
      return WATERMARK;
    }
    view.setBuffer(spill, 0, length);
    return serializer.deserialize(view);
  }

  private static long readLong(byte[] m, int at) {
    long v = 0;
    for (int i = 0; i < 8; i++) {
      v = (v << 8) | (m[at + i] & 0xff);
    }
    return v;
  }

  private void gatherBody() {
    int n = Math.min(pendingLength - spilled, limit - position);
    System.arraycopy(memory, position, spill, spilled, n);
    position += n;
    spilled += n;
  }

  private void ensureSpill(int length) {
    if (spill.length < length) {
      spill = Arrays.copyOf(spill, Math.max(length, spill.length * 2));
    }
  }
}
