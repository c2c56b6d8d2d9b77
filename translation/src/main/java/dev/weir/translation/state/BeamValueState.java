package dev.weir.translation.state;

import org.apache.beam.sdk.state.ValueState;

/** Beam's ValueState on an engine value state, for one namespace of the current key. */
final class BeamValueState<T> extends EngineBackedState implements ValueState<T> {

  private final dev.weir.state.ValueState<String, T> state;
  private final String namespace;

  BeamValueState(dev.weir.state.ValueState<String, T> state, String namespace) {
    super(state, namespace);
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
}
