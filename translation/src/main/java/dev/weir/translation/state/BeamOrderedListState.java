package dev.weir.translation.state;

import dev.weir.state.MapState;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.beam.sdk.state.OrderedListState;
import org.apache.beam.sdk.state.ReadableState;
import org.apache.beam.sdk.values.TimestampedValue;
import org.joda.time.Instant;

/**
 * Beam's OrderedListState on an engine map state: timestamp (millis) → the values at it, in the
 * order added. Lists are replaced, never changed in place. Reads sort by timestamp.
 */
final class BeamOrderedListState<T> extends EngineBackedState implements OrderedListState<T> {

  private final MapState<String, Long, List<T>> state;
  private final String namespace;

  BeamOrderedListState(MapState<String, Long, List<T>> state, String namespace) {
    super(state, namespace);
    this.state = state;
    this.namespace = namespace;
  }

  @Override
  public void add(TimestampedValue<T> value) {
    long t = value.getTimestamp().getMillis();
    List<T> old = state.get(namespace, t);
    List<T> values = old == null ? new ArrayList<>(1) : new ArrayList<>(old);
    values.add(value.getValue());
    state.put(namespace, t, values);
  }

  private TreeMap<Long, List<T>> sorted(long min, long limit) {
    TreeMap<Long, List<T>> sorted = new TreeMap<>();
    for (Map.Entry<Long, List<T>> e : state.entries(namespace)) {
      if (e.getKey() >= min && e.getKey() < limit) {
        sorted.put(e.getKey(), e.getValue());
      }
    }
    return sorted;
  }

  @Override
  public Iterable<TimestampedValue<T>> readRange(Instant minTimestamp, Instant limitTimestamp) {
    List<TimestampedValue<T>> result = new ArrayList<>();
    for (Map.Entry<Long, List<T>> e :
        sorted(minTimestamp.getMillis(), limitTimestamp.getMillis()).entrySet()) {
      Instant at = Instant.ofEpochMilli(e.getKey());
      for (T v : e.getValue()) {
        result.add(TimestampedValue.of(v, at));
      }
    }
    return result;
  }

  @Override
  public Iterable<TimestampedValue<T>> read() {
    return readRange(Instant.ofEpochMilli(Long.MIN_VALUE), Instant.ofEpochMilli(Long.MAX_VALUE));
  }

  @Override
  public void clearRange(Instant minTimestamp, Instant limitTimestamp) {
    for (Long t : sorted(minTimestamp.getMillis(), limitTimestamp.getMillis()).keySet()) {
      state.remove(namespace, t);
    }
  }

  @Override
  public OrderedListState<T> readRangeLater(Instant minTimestamp, Instant limitTimestamp) {
    return this;
  }

  @Override
  public ReadableState<Boolean> isEmpty() {
    return Readables.of(() -> state.isEmpty(namespace));
  }

  @Override
  public OrderedListState<T> readLater() {
    return this;
  }

  @Override
  public void clear() {
    state.clear(namespace);
  }
}
