package dev.weir.translation.combine;

import dev.weir.engine.operator.AbstractOperator;
import dev.weir.state.serialization.DataOutputView;
import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.transforms.Combine.CombineFn;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.apache.beam.sdk.transforms.windowing.PaneInfo;
import org.apache.beam.sdk.transforms.windowing.TimestampCombiner;
import org.apache.beam.sdk.util.CoderUtils;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.WindowedValue;
import org.apache.beam.sdk.values.WindowedValues;
import org.joda.time.Instant;

/**
 * The first half of a lifted Combine.perKey, before the shuffle: accumulates the values of each key
 * and window of this subtask and emits one accumulator per key and window instead of every value. A
 * window's accumulators leave just before the watermark passes the window's end (so they reach the
 * final combine in time), and all of them when the input pauses, at the end of the input, and when
 * it holds more than {@code maxEntries} accumulators. A checkpoint stores them in the operator's
 * state rather than sending them on: flushing at every barrier would push every key's accumulator
 * through the final combine once per checkpoint.
 */
public final class PartialCombineOperator<K, InputT, AccumT>
    extends AbstractOperator<WindowedValue<KV<K, InputT>>, WindowedValue<KV<K, AccumT>>> {

  private final CombineFn<InputT, AccumT, ?> combineFn;
  private final Coder<K> keyCoder;
  private final Coder<AccumT> accumulatorCoder;
  private final Coder<BoundedWindow> windowCoder;
  private final TimestampCombiner timestampCombiner;
  private final int maxEntries;

  private final Map<BoundedWindow, Map<Object, Entry<K, AccumT>>> accumulators = new HashMap<>();
  private int entries;
  private DataOutputView snapshotBuffer;

  private static final class Entry<K, AccumT> {
    final K key;
    AccumT accumulator;
    Instant timestamp;

    Entry(K key, AccumT accumulator, Instant timestamp) {
      this.key = key;
      this.accumulator = accumulator;
      this.timestamp = timestamp;
    }
  }

  public PartialCombineOperator(
      CombineFn<InputT, AccumT, ?> combineFn,
      Coder<K> keyCoder,
      Coder<AccumT> accumulatorCoder,
      Coder<BoundedWindow> windowCoder,
      TimestampCombiner timestampCombiner,
      int maxEntries) {
    this.combineFn = combineFn;
    this.keyCoder = keyCoder;
    this.accumulatorCoder = accumulatorCoder;
    this.windowCoder = windowCoder;
    this.timestampCombiner = timestampCombiner;
    this.maxEntries = maxEntries;
  }

  @Override
  public void processElement(WindowedValue<KV<K, InputT>> element) {
    K key = element.getValue().getKey();
    Object structural = keyCoder.structuralValue(key);
    InputT value = element.getValue().getValue();
    for (BoundedWindow window : element.getWindows()) {
      Map<Object, Entry<K, AccumT>> perKey =
          accumulators.computeIfAbsent(window, w -> new HashMap<>());
      Entry<K, AccumT> entry = perKey.get(structural);
      if (entry == null) {
        entry = new Entry<>(key, combineFn.createAccumulator(), element.getTimestamp());
        perKey.put(structural, entry);
        entries++;
      } else if (timestampCombiner != TimestampCombiner.END_OF_WINDOW) {
        entry.timestamp = timestampCombiner.combine(entry.timestamp, element.getTimestamp());
      }
      entry.accumulator = combineFn.addInput(entry.accumulator, value);
    }
    if (entries > maxEntries) {
      flush();
    }
  }

  private void flush() {
    flushWindowsEndingBefore(Long.MAX_VALUE);
  }

  /** Emits the accumulators of every window whose last timestamp is before {@code watermark}. */
  private void flushWindowsEndingBefore(long watermark) {
    var windows = accumulators.entrySet().iterator();
    while (windows.hasNext()) {
      Map.Entry<BoundedWindow, Map<Object, Entry<K, AccumT>>> perWindow = windows.next();
      BoundedWindow window = perWindow.getKey();
      if (watermark != Long.MAX_VALUE && window.maxTimestamp().getMillis() >= watermark) {
        continue;
      }
      for (Entry<K, AccumT> e : perWindow.getValue().values()) {
        Instant timestamp =
            timestampCombiner == TimestampCombiner.END_OF_WINDOW
                ? window.maxTimestamp()
                : e.timestamp;
        output.emit(
            WindowedValues.of(
                KV.of(e.key, combineFn.compact(e.accumulator)),
                timestamp,
                window,
                PaneInfo.NO_FIRING));
      }
      entries -= perWindow.getValue().size();
      windows.remove();
    }
  }

  @Override
  public void processWatermark(long watermark) throws Exception {
    flushWindowsEndingBefore(watermark);
    super.processWatermark(watermark);
  }

  @Override
  public void finish() {
    flush();
  }

  /** Accumulators leave when the input pauses, so a result never waits on the next record. */
  @Override
  public void onInputIdle() {
    flush();
  }

  /** Version 2 begins with this and its version; version 1 (still read) with the window count. */
  private static final int STATE_MAGIC = 0x57434D42; // "WCMB"

  private static final int STATE_VERSION = 2;

  /**
   * The accumulators, per window: {@code magic version [windows] ([window] [entries] ([key]
   * [accumulator] timestamp)*)*}, each bracketed part its length and its coder's (outer) encoding.
   * Encoded into one buffer kept between checkpoints: this is the synchronous part of the
   * operator's snapshot.
   */
  @Override
  public byte[] snapshotOperatorState(long checkpointId) throws IOException {
    if (entries == 0) {
      return null;
    }
    if (snapshotBuffer == null) {
      snapshotBuffer = new DataOutputView(64 * 1024);
    }
    DataOutputView out = snapshotBuffer;
    out.clear();
    out.writeInt(STATE_MAGIC);
    out.writeInt(STATE_VERSION);
    out.writeInt(accumulators.size());
    for (Map.Entry<BoundedWindow, Map<Object, Entry<K, AccumT>>> perWindow :
        accumulators.entrySet()) {
      writeEncoded(out, windowCoder, perWindow.getKey());
      out.writeInt(perWindow.getValue().size());
      for (Entry<K, AccumT> e : perWindow.getValue().values()) {
        writeEncoded(out, keyCoder, e.key);
        writeEncoded(out, accumulatorCoder, e.accumulator);
        out.writeLong(e.timestamp.getMillis());
      }
    }
    return out.toByteArray();
  }

  /**
   * The length of the value's outer encoding, then the encoding (what CoderUtils.encodeToByteArray
   * gives).
   */
  private static <T> void writeEncoded(DataOutputView out, Coder<T> coder, T value)
      throws IOException {
    int lengthAt = out.length();
    out.writeInt(0);
    coder.encode(value, out, Coder.Context.OUTER);
    out.writeIntAt(lengthAt, out.length() - lengthAt - 4);
  }

  /** Adds restored accumulators (after a rescale, several subtasks' may meet here: they merge). */
  @Override
  public void restoreOperatorState(byte[] state) throws IOException {
    DataInputStream in = new DataInputStream(new ByteArrayInputStream(state));
    int windows = in.readInt();
    if (windows == STATE_MAGIC) {
      int version = in.readInt();
      if (version != STATE_VERSION) {
        throw new IOException(
            "the accumulators of a combine have format version "
                + version
                + "; this Weir reads version "
                + STATE_VERSION);
      }
      windows = in.readInt();
    } // else version 1, which began with the window count
    if (windows < 0 || windows > state.length) {
      throw new IOException("the accumulators of a combine are corrupt: " + windows + " windows");
    }
    for (int w = 0; w < windows; w++) {
      BoundedWindow window = CoderUtils.decodeFromByteArray(windowCoder, readBytes(in));
      Map<Object, Entry<K, AccumT>> perKey =
          accumulators.computeIfAbsent(window, x -> new HashMap<>());
      int count = in.readInt();
      for (int i = 0; i < count; i++) {
        K key = CoderUtils.decodeFromByteArray(keyCoder, readBytes(in));
        AccumT accumulator = CoderUtils.decodeFromByteArray(accumulatorCoder, readBytes(in));
        Instant timestamp = new Instant(in.readLong());
        Entry<K, AccumT> existing = perKey.get(keyCoder.structuralValue(key));
        if (existing == null) {
          perKey.put(keyCoder.structuralValue(key), new Entry<>(key, accumulator, timestamp));
          entries++;
        } else {
          existing.accumulator =
              combineFn.mergeAccumulators(List.of(existing.accumulator, accumulator));
          existing.timestamp = timestampCombiner.combine(existing.timestamp, timestamp);
        }
      }
    }
  }

  private static byte[] readBytes(DataInputStream in) throws IOException {
    byte[] b = new byte[in.readInt()];
    in.readFully(b);
    return b;
  }
}
