package dev.weir.translation.operators;

import dev.weir.translation.wire.KeyBytes;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.values.WindowedValue;

/**
 * Input of a DoFn annotated {@code @RequiresStableInput} while the job takes checkpoints: an
 * element is held until a checkpoint that contains it completes, and only then processed. If the
 * job fails before, the element is not processed at all; after a restore it comes from the
 * checkpoint, byte for byte the same, even if the steps before it are not deterministic. So the
 * DoFn sees every element it processes again (after a failure) with the same value, which is what
 * lets it have side effects outside the pipeline safely.
 *
 * @param <T> the main input's element type
 */
final class StableInputBuffer<T> {

  private List<KeyedElement<T>> sinceLastBarrier = new ArrayList<>();

  /** Elements per checkpoint whose barrier came after them, until that checkpoint completes. */
  private final TreeMap<Long, List<KeyedElement<T>>> awaitingCompletion = new TreeMap<>();

  private long earliestSinceLastBarrier = Long.MAX_VALUE;
  private final TreeMap<Long, Long> earliestAwaiting = new TreeMap<>();

  void add(Object key, WindowedValue<T> value) {
    sinceLastBarrier.add(new KeyedElement<>((KeyBytes) key, value));
    earliestSinceLastBarrier = Math.min(earliestSinceLastBarrier, value.getTimestamp().getMillis());
  }

  /** The earliest timestamp held, or {@link Long#MAX_VALUE}: output must not pass it meanwhile. */
  long earliestTimestamp() {
    long earliest = earliestSinceLastBarrier;
    for (long t : earliestAwaiting.values()) {
      earliest = Math.min(earliest, t);
    }
    return earliest;
  }

  boolean isEmpty() {
    return sinceLastBarrier.isEmpty() && awaitingCompletion.isEmpty();
  }

  /** A barrier passed: what came before it waits for checkpoint {@code checkpointId}. */
  void onBarrier(long checkpointId) {
    if (!sinceLastBarrier.isEmpty()) {
      awaitingCompletion.put(checkpointId, sinceLastBarrier);
      earliestAwaiting.put(checkpointId, earliestSinceLastBarrier);
      sinceLastBarrier = new ArrayList<>();
      earliestSinceLastBarrier = Long.MAX_VALUE;
    }
  }

  /**
   * Removes and returns, in arrival order, what checkpoint {@code checkpointId} (and earlier ones)
   * made stable.
   */
  List<KeyedElement<T>> takeStable(long checkpointId) {
    List<KeyedElement<T>> stable = new ArrayList<>();
    Iterator<Map.Entry<Long, List<KeyedElement<T>>>> it =
        awaitingCompletion.headMap(checkpointId, true).entrySet().iterator();
    while (it.hasNext()) {
      Map.Entry<Long, List<KeyedElement<T>>> e = it.next();
      stable.addAll(e.getValue());
      earliestAwaiting.remove(e.getKey());
      it.remove();
    }
    return stable;
  }

  /** Removes and returns everything held, in arrival order (at the end of the input). */
  List<KeyedElement<T>> takeAll() {
    List<KeyedElement<T>> all = takeStable(Long.MAX_VALUE);
    all.addAll(sinceLastBarrier);
    sinceLastBarrier = new ArrayList<>();
    earliestSinceLastBarrier = Long.MAX_VALUE;
    return all;
  }

  /**
   * Writes what waits for completion: called while snapshotting checkpoint {@code n} after {@link
   * #onBarrier(long) onBarrier(n)}, so all of it is in checkpoint {@code n}.
   */
  void write(DataOutputStream out, Coder<WindowedValue<T>> coder) throws IOException {
    List<KeyedElement<T>> all = new ArrayList<>();
    for (List<KeyedElement<T>> held : awaitingCompletion.values()) {
      all.addAll(held);
    }
    KeyedElement.writeAll(out, all, coder);
  }

  /**
   * Reads what {@link #write} wrote. The checkpoint it comes from is complete, so these elements
   * are stable: they are returned for processing rather than held again.
   */
  static <T> List<KeyedElement<T>> read(DataInputStream in, Coder<WindowedValue<T>> coder)
      throws IOException {
    return KeyedElement.readAll(in, coder);
  }
}
