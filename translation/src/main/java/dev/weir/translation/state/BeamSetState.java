package dev.weir.translation.state;

import dev.weir.state.MapState;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.state.ReadableState;
import org.apache.beam.sdk.state.SetState;

/** Beam's SetState on an engine map state (element → true). */
final class BeamSetState<T> extends EngineBackedState implements SetState<T> {

  private final MapState<String, T, Boolean> state;
  private final String namespace;

  BeamSetState(MapState<String, T, Boolean> state, String namespace) {
    super(state, namespace);
    this.state = state;
    this.namespace = namespace;
  }

  /**
   * Whether the set holds {@code t} now: Beam's contract (StateInternalsTest) is a value read at
   * the call, not later.
   */
  @Override
  public ReadableState<Boolean> contains(T t) {
    return Readables.immediate(state.contains(namespace, t));
  }

  @Override
  public ReadableState<Boolean> addIfAbsent(T t) {
    boolean absent = !state.contains(namespace, t);
    if (absent) {
      state.put(namespace, t, Boolean.TRUE);
    }
    return Readables.immediate(absent);
  }

  @Override
  public void remove(T t) {
    state.remove(namespace, t);
  }

  @Override
  public void add(T value) {
    state.put(namespace, value, Boolean.TRUE);
  }

  @Override
  public ReadableState<Boolean> isEmpty() {
    return Readables.of(() -> state.isEmpty(namespace));
  }

  @Override
  public Iterable<T> read() {
    List<T> elements = new ArrayList<>();
    for (Map.Entry<T, Boolean> e : state.entries(namespace)) {
      elements.add(e.getKey());
    }
    return elements;
  }

  @Override
  public SetState<T> readLater() {
    return this;
  }

  @Override
  public void clear() {
    state.clear(namespace);
  }
}
