package dev.weir.engine.exchange;

import dev.weir.state.serialization.DataOutputView;
import dev.weir.state.serialization.TypeSerializer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.function.BooleanSupplier;

/**
 * Serializes the records a producer subtask emits on one edge into buffers, one filling buffer per
 * channel. A record is a 4-byte length followed by its bytes and may continue in the next buffer. A
 * watermark travels in the same stream as a frame of its own (a length with the high bit set, then
 * 8 bytes), so it keeps its place between records without cutting the buffer short. Full buffers go
 * to the channel's subpartition; partially filled ones are flushed when the buffer timeout expires
 * (0: after every record; negative: only when full or at an event). Used by one thread only.
 */
public final class RecordWriter<T> {

  /** Frame header of an in-band watermark: no record is this long. */
  static final int WATERMARK_FRAME = 0x80000008;

  private final ResultPartition partition;
  private final TypeSerializer<T> serializer;
  private final ChannelSelector<T> selector;
  private final boolean broadcast;
  private final long bufferTimeoutNanos;
  private final FlushDeadline flushDeadline;
  private final BooleanSupplier cancelled;
  private final DataOutputView scratch = new DataOutputView(256);
  private final byte[] header = new byte[4];
  private final byte[] watermarkFrame = new byte[12];
  private final NetworkBuffer[] filling;
  private final int channels;
  private long lastWatermark = Long.MIN_VALUE;
  private long recordsOut;

  public RecordWriter(
      ResultPartition partition,
      TypeSerializer<T> serializer,
      ChannelSelector<T> selector,
      long bufferTimeoutMillis,
      FlushDeadline flushDeadline,
      BooleanSupplier cancelled) {
    this.partition = partition;
    this.serializer = serializer;
    this.selector = selector;
    this.broadcast = selector.isBroadcast();
    this.bufferTimeoutNanos = bufferTimeoutMillis < 0 ? -1 : bufferTimeoutMillis * 1_000_000L;
    this.flushDeadline = flushDeadline;
    this.cancelled = cancelled;
    this.channels = partition.channelCount();
    this.filling = new NetworkBuffer[channels];
  }

  public ResultPartition partition() {
    return partition;
  }

  public long recordsOut() {
    return recordsOut;
  }

  public void emit(T record) throws Exception {
    scratch.clear();
    try {
      serializer.serialize(record, scratch);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot serialize a record with " + serializer, e);
    }
    recordsOut++;
    if (broadcast) {
      for (int c = 0; c < channels; c++) {
        write(c);
      }
    } else {
      write(selector.select(record));
    }
  }

  private void write(int channel) {
    int length = scratch.length();
    NetworkBuffer b = filling[channel];
    if (b != null && b.free() >= length + 4) {
      // Fast path: the whole record fits in the filling buffer.
      byte[] m = b.memory();
      int p = b.size();
      m[p] = (byte) (length >>> 24);
      m[p + 1] = (byte) (length >>> 16);
      m[p + 2] = (byte) (length >>> 8);
      m[p + 3] = (byte) length;
      System.arraycopy(scratch.array(), 0, m, p + 4, length);
      b.setSize(p + 4 + length);
      if (b.free() == 0) {
        filling[channel] = null;
        partition.subpartition(channel).add(b);
      }
    } else {
      header[0] = (byte) (length >>> 24);
      header[1] = (byte) (length >>> 16);
      header[2] = (byte) (length >>> 8);
      header[3] = (byte) length;
      copy(channel, header, 4);
      copy(channel, scratch.array(), length);
    }
    if (bufferTimeoutNanos == 0) {
      flush(channel);
    }
  }

  private void copy(int channel, byte[] source, int length) {
    int offset = 0;
    while (offset < length) {
      NetworkBuffer b = filling[channel];
      if (b == null) {
        b = newBuffer(channel);
      }
      int n = Math.min(length - offset, b.free());
      System.arraycopy(source, offset, b.memory(), b.size(), n);
      b.setSize(b.size() + n);
      offset += n;
      if (b.free() == 0) {
        filling[channel] = null;
        partition.subpartition(channel).add(b);
      }
    }
  }

  private NetworkBuffer newBuffer(int channel) {
    NetworkBuffer b = partition.pool().request(cancelled);
    filling[channel] = b;
    if (bufferTimeoutNanos > 0) {
      flushDeadline.requestBy(System.nanoTime() + bufferTimeoutNanos);
    }
    return b;
  }

  /** Sends the filling buffer of {@code channel}, if it holds anything. */
  public void flush(int channel) {
    NetworkBuffer b = filling[channel];
    if (b != null && b.size() > 0) {
      filling[channel] = null;
      partition.subpartition(channel).add(b);
    }
  }

  public void flushAll() {
    for (int c = 0; c < channels; c++) {
      flush(c);
    }
  }

  /** Sends an event on every channel, behind the records emitted so far. */
  public void broadcastEvent(ExchangeEvent event) {
    for (int c = 0; c < channels; c++) {
      flush(c);
      partition.subpartition(c).add(event);
    }
  }

  /**
   * Forwards a watermark, if it advances on what this writer sent before, on every channel in line
   * with the records: it leaves with the buffer it is written into, at the latest when the buffer
   * timeout expires.
   */
  public void emitWatermark(long watermark) {
    if (watermark > lastWatermark) {
      lastWatermark = watermark;
      byte[] frame = watermarkFrame;
      writeInt(frame, 0, WATERMARK_FRAME);
      writeInt(frame, 4, (int) (watermark >>> 32));
      writeInt(frame, 8, (int) watermark);
      for (int c = 0; c < channels; c++) {
        copy(c, frame, 12);
        if (bufferTimeoutNanos == 0) {
          flush(c);
        }
      }
    }
  }

  private static void writeInt(byte[] b, int at, int v) {
    b[at] = (byte) (v >>> 24);
    b[at + 1] = (byte) (v >>> 16);
    b[at + 2] = (byte) (v >>> 8);
    b[at + 3] = (byte) v;
  }

  /** Whether the next record can start without waiting for a buffer. */
  public boolean isAvailable() {
    return partition.pool().isAvailable();
  }

  /** Returns buffers that were never sent; for a task that is being torn down. */
  public void release() {
    for (int c = 0; c < channels; c++) {
      NetworkBuffer b = filling[c];
      if (b != null) {
        filling[c] = null;
        b.recycle();
      }
    }
  }
}
