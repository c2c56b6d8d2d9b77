package dev.weir.translation.state;

import org.apache.beam.sdk.state.ValueState;

/** Beam's ValueState on an engine value state, for one namespace of the current key. */
final class BeamValueState<T> implements ValueState<T> {

  private final dev.weir.state.ValueState<String, T> state;
  private final String namespace;

  BeamValueState(dev.weir.state.ValueState<String, T> state, String namespace) {
    this.state = state;
    this.namespace = namespace;
  }

  @Override
  public void write(T input) {
    state.update(namespace, input);
  }

  @Override
  public T read() {
    return state.value(namespace);
  }

  @Override
  public ValueState<T> readLater() {
    return this;
  }

  @Override
  public void clear() {
    state.clear(namespace);
  }

  /** Two handles on the same state in the same namespace are equal (state merging relies on it). */
  @Override
  public boolean equals(Object o) {
    return o instanceof BeamValueState<?> other && (Object) other.state == state && other.namespace.equals(namespace);
  }

  @Override
  public int hashCode() {
    return System.identityHashCode(state) * 31 + namespace.hashCode();
  }
}
