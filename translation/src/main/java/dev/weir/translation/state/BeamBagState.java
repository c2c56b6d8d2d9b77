package dev.weir.translation.state;

import dev.weir.state.ListState;
import java.util.ArrayList;
import org.apache.beam.sdk.state.BagState;
import org.apache.beam.sdk.state.ReadableState;

/** Beam's BagState on an engine list state. A read sees the bag as it was when read. */
final class BeamBagState<T> extends EngineBackedState implements BagState<T> {

  private final ListState<String, T> state;
  private final String namespace;

  BeamBagState(ListState<String, T> state, String namespace) {
    super(state, namespace);
    this.state = state;
    this.namespace = namespace;
  }

  @Override
  public void add(T value) {
    state.add(namespace, value);
  }

  @Override
  public Iterable<T> read() {
    return new ArrayList<>(state.get(namespace));
  }

  @Override
  public ReadableState<Boolean> isEmpty() {
    return Readables.of(() -> state.isEmpty(namespace));
  }

  @Override
  public BagState<T> readLater() {
    return this;
  }

  @Override
  public void clear() {
    state.clear(namespace);
  }
}
