package dev.weir.state.rocksdb;

import dev.weir.state.ValueState;
import dev.weir.state.serialization.TypeSerializer;

/** Value state in RocksDB: one entry per (key, namespace); values are copies read from bytes. */
final class RocksDbValueState<N, V> implements ValueState<N, V> {

  private final RocksDbKeyedStateBackend<?> backend;
  private final RocksDbKeyedStateBackend.Column<N> column;
  private final TypeSerializer<V> values;

  RocksDbValueState(
      RocksDbKeyedStateBackend<?> backend,
      RocksDbKeyedStateBackend.Column<N> column,
      TypeSerializer<V> values) {
    this.backend = backend;
    this.column = column;
    this.values = values;
  }

  @Override
  public V value(N namespace) {
    byte[] bytes = backend.get(column, backend.entryKey(column, namespace));
    return bytes == null ? null : backend.deserialize(values, bytes, 0, bytes.length);
  }

  @Override
  public void update(N namespace, V value) {
    if (value == null) {
      clear(namespace);
    } else {
      backend.put(column, backend.entryKey(column, namespace), values, value);
    }
  }

  @Override
  public void clear(N namespace) {
    backend.delete(column, backend.entryKey(column, namespace));
  }
}
