package dev.weir.translation.combine;

import dev.weir.engine.operator.AbstractOperator;
import java.util.HashMap;
import java.util.Map;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.transforms.Combine.CombineFn;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.apache.beam.sdk.transforms.windowing.PaneInfo;
import org.apache.beam.sdk.transforms.windowing.TimestampCombiner;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.WindowedValue;
import org.apache.beam.sdk.values.WindowedValues;
import org.joda.time.Instant;

/**
 * The first half of a lifted Combine.perKey, before the shuffle: accumulates the values of each
 * key and window of this subtask and emits one accumulator per key and window instead of every
 * value. A window's accumulators leave just before the watermark passes the window's end (so they
 * reach the final combine in time), and all of them when the input pauses, before a checkpoint
 * barrier, at the end of the input, and when it holds more than {@code maxEntries} accumulators.
 */
public final class PartialCombineOperator<K, InputT, AccumT>
    extends AbstractOperator<WindowedValue<KV<K, InputT>>, WindowedValue<KV<K, AccumT>>> {

  private final CombineFn<InputT, AccumT, ?> combineFn;
  private final Coder<K> keyCoder;
  private final TimestampCombiner timestampCombiner;
  private final int maxEntries;

  private final Map<BoundedWindow, Map<Object, Entry<K, AccumT>>> accumulators = new HashMap<>();
  private int entries;

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

  public PartialCombineOperator(CombineFn<InputT, AccumT, ?> combineFn, Coder<K> keyCoder, TimestampCombiner timestampCombiner, int maxEntries) {
    this.combineFn = combineFn;
    this.keyCoder = keyCoder;
    this.timestampCombiner = timestampCombiner;
    this.maxEntries = maxEntries;
  }

  @Override
  public void processElement(WindowedValue<KV<K, InputT>> element) {
    K key = element.getValue().getKey();
    Object structural = keyCoder.structuralValue(key);
    InputT value = element.getValue().getValue();
    for (BoundedWindow window : element.getWindows()) {
      Map<Object, Entry<K, AccumT>> perKey = accumulators.computeIfAbsent(window, w -> new HashMap<>());
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
        Instant timestamp = timestampCombiner == TimestampCombiner.END_OF_WINDOW ? window.maxTimestamp() : e.timestamp;
        output.emit(WindowedValues.of(KV.of(e.key, combineFn.compact(e.accumulator)), timestamp, window, PaneInfo.NO_FIRING));
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

  /** Accumulators leave before the barrier: they are not part of any snapshot. */
  @Override
  public byte[] snapshotOperatorState(long checkpointId) {
    flush();
    return null;
  }
}
