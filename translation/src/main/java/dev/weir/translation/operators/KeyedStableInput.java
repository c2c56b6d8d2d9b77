package dev.weir.translation.operators;

import dev.weir.engine.operator.OperatorContext;
import dev.weir.state.ListState;
import dev.weir.state.StateSpec;
import dev.weir.state.serialization.Serializers;
import dev.weir.state.serialization.TypeSerializer;
import dev.weir.translation.wire.KeyBytes;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.apache.beam.sdk.values.WindowedValue;

/**
 * {@link StableInput} of a keyed (stateful) DoFn: held elements live in keyed state, one list per
 * key and epoch (the stretch between two barriers), so a checkpoint holds them per key group and a
 * job resumed at another parallelism finds each with its key. Which keys hold elements of which
 * epoch is indexed in memory; restored elements are all stable (the checkpoint they come from
 * completed) and are handed out once by {@link #takeRestored()}.
 *
 * @param <T> the main input's element type
 */
final class KeyedStableInput<T> implements StableInput<T> {

  private final List<KeyedElement<T>> restoredFromOperatorState = new ArrayList<>();

  private final OperatorContext<?> context;
  private final StateSpec<Long, ListState<Long, WindowedValue<T>>> spec;
  private long epoch;

  /** Epoch to the checkpoint whose barrier ended it. */
  private final TreeMap<Long, Long> endedBy = new TreeMap<>();

  private final TreeMap<Long, Set<KeyBytes>> keysByEpoch = new TreeMap<>();

  /** Epoch to the earliest timestamp held in it. */
  private final TreeMap<Long, Long> earliestByEpoch = new TreeMap<>();

  KeyedStableInput(OperatorContext<?> context, TypeSerializer<WindowedValue<T>> elements) {
    this.context = context;
    // Held input elements are never changed (Beam forbids changing inputs): snapshots may share
    // them.
    this.spec =
        StateSpec.list("beam-stable-input", Serializers.LONG, Serializers.asImmutable(elements));
  }

  @Override
  public void add(WindowedValue<T> value) {
    KeyBytes key = (KeyBytes) context.currentKey();
    context.state(spec).add(epoch, value);
    keysByEpoch.computeIfAbsent(epoch, e -> new HashSet<>()).add(key);
    earliestByEpoch.merge(epoch, value.getTimestamp().getMillis(), Math::min);
  }

  @Override
  public long earliestTimestamp() {
    long earliest = Long.MAX_VALUE;
    for (long t : earliestByEpoch.values()) {
      earliest = Math.min(earliest, t);
    }
    return earliest;
  }

  @Override
  public void onBarrier(long checkpointId) {
    if (keysByEpoch.containsKey(epoch)) {
      endedBy.put(epoch, checkpointId);
      epoch++;
    }
  }

  @Override
  public List<KeyedElement<T>> takeStable(long checkpointId) {
    List<KeyedElement<T>> stable = new ArrayList<>();
    Iterator<Map.Entry<Long, Long>> it = endedBy.entrySet().iterator();
    while (it.hasNext()) {
      Map.Entry<Long, Long> e = it.next();
      if (e.getValue() <= checkpointId) {
        take(e.getKey(), stable);
        it.remove();
      }
    }
    return stable;
  }

  @Override
  public List<KeyedElement<T>> takeAll() {
    List<KeyedElement<T>> all = new ArrayList<>();
    for (Long e : new ArrayList<>(keysByEpoch.keySet())) {
      take(e, all);
    }
    endedBy.clear();
    return all;
  }

  private void take(long e, List<KeyedElement<T>> into) {
    Set<KeyBytes> keys = keysByEpoch.remove(e);
    earliestByEpoch.remove(e);
    if (keys == null) {
      return;
    }
    for (KeyBytes key : keys) {
      context.keyedStateBackend().setCurrentKey(key);
      ListState<Long, WindowedValue<T>> held = context.state(spec);
      for (WindowedValue<T> v : held.get(e)) {
        into.add(new KeyedElement<>(key, v));
      }
      held.clear(e);
    }
  }

  /** Nothing: held elements are in keyed state. */
  @Override
  public List<KeyedElement<T>> heldInOperatorState() {
    return List.of();
  }

  @Override
  public void restore(List<KeyedElement<T>> fromOperatorState) {
    restoredFromOperatorState.addAll(fromOperatorState);
  }

  @Override
  public List<KeyedElement<T>> takeRestored() throws Exception {
    List<KeyedElement<T>> restored = new ArrayList<>(restoredFromOperatorState);
    restoredFromOperatorState.clear();
    List<Object[]> entries = new ArrayList<>();
    context.keyedStateBackend().forEachEntry(spec, (key, e) -> entries.add(new Object[] {key, e}));
    for (Object[] entry : entries) {
      KeyBytes key = (KeyBytes) entry[0];
      context.keyedStateBackend().setCurrentKey(key);
      ListState<Long, WindowedValue<T>> held = context.state(spec);
      for (WindowedValue<T> v : held.get((Long) entry[1])) {
        restored.add(new KeyedElement<>(key, v));
      }
      held.clear((Long) entry[1]);
    }
    return restored;
  }
}
