package dev.weir.state.heap;

import dev.weir.state.ValueState;

final class HeapValueState<K, N, V> implements ValueState<N, V> {

  private final HeapKeyedStateBackend<K> backend;
  private final StateTable<K, N, V> table;

  HeapValueState(HeapKeyedStateBackend<K> backend, StateTable<K, N, V> table) {
    this.backend = backend;
    this.table = table;
  }

  /** Never an object a pending snapshot will write: the caller may change it in place. */
  @Override
  public V value(N namespace) {
    return table.get(backend.currentKeyGroup(), backend.currentKey(), namespace);
  }

  @Override
  public void update(N namespace, V value) {
    if (value == null) {
      clear(namespace);
    } else {
      table.put(backend.currentKeyGroup(), backend.currentKey(), namespace, value);
    }
  }

  @Override
  public void clear(N namespace) {
    table.remove(backend.currentKeyGroup(), backend.currentKey(), namespace);
  }
}
