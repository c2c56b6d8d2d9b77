package dev.weir.translation.operators;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.beam.sdk.values.WindowedValue;

/**
 * {@link StableInput} of a DoFn that is not keyed: held elements in memory, carried in the
 * operator's state by each checkpoint until it completes.
 *
 * @param <T> the main input's element type
 */
final class StableInputBuffer<T> implements StableInput<T> {

  private final List<KeyedElement<T>> restored = new ArrayList<>();

  private List<KeyedElement<T>> sinceLastBarrier = new ArrayList<>();

  /** Elements per checkpoint whose barrier came after them, until that checkpoint completes. */
  private final TreeMap<Long, List<KeyedElement<T>>> awaitingCompletion = new TreeMap<>();

  private long earliestSinceLastBarrier = Long.MAX_VALUE;
  private final TreeMap<Long, Long> earliestAwaiting = new TreeMap<>();

  @Override
  public void add(WindowedValue<T> value) {
    sinceLastBarrier.add(new KeyedElement<>(null, value));
    earliestSinceLastBarrier = Math.min(earliestSinceLastBarrier, value.getTimestamp().getMillis());
  }

  @Override
  public long earliestTimestamp() {
    long earliest = earliestSinceLastBarrier;
    for (long t : earliestAwaiting.values()) {
      earliest = Math.min(earliest, t);
    }
    return earliest;
  }

  @Override
  public void onBarrier(long checkpointId) {
    if (!sinceLastBarrier.isEmpty()) {
      awaitingCompletion.put(checkpointId, sinceLastBarrier);
      earliestAwaiting.put(checkpointId, earliestSinceLastBarrier);
      sinceLastBarrier = new ArrayList<>();
      earliestSinceLastBarrier = Long.MAX_VALUE;
    }
  }

  /** In arrival order. */
  @Override
  public List<KeyedElement<T>> takeStable(long checkpointId) {
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

  /** In arrival order. */
  @Override
  public List<KeyedElement<T>> takeAll() {
    List<KeyedElement<T>> all = takeStable(Long.MAX_VALUE);
    all.addAll(sinceLastBarrier);
    sinceLastBarrier = new ArrayList<>();
    earliestSinceLastBarrier = Long.MAX_VALUE;
    return all;
  }

  /**
   * Called while snapshotting checkpoint {@code n} after {@link #onBarrier(long) onBarrier(n)}, so
   * all of it is in checkpoint {@code n}.
   */
  @Override
  public List<KeyedElement<T>> heldInOperatorState() {
    List<KeyedElement<T>> all = new ArrayList<>();
    for (List<KeyedElement<T>> held : awaitingCompletion.values()) {
      all.addAll(held);
    }
    return all;
  }

  @Override
  public void restore(List<KeyedElement<T>> fromOperatorState) {
    restored.addAll(fromOperatorState);
  }

  @Override
  public List<KeyedElement<T>> takeRestored() {
    List<KeyedElement<T>> taken = new ArrayList<>(restored);
    restored.clear();
    return taken;
  }
}
