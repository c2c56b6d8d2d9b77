package dev.weir.state.rocksdb;

import dev.weir.state.MapState;
import dev.weir.state.serialization.TypeSerializer;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Map state in RocksDB: one entry per (key, namespace, user key); iteration is a prefix scan. */
final class RocksDbMapState<N, UK, UV> implements MapState<N, UK, UV> {

  private final RocksDbKeyedStateBackend<?> backend;
  private final RocksDbKeyedStateBackend.Column<N> column;
  private final TypeSerializer<UK> keys;
  private final TypeSerializer<UV> values;

  RocksDbMapState(
      RocksDbKeyedStateBackend<?> backend,
      RocksDbKeyedStateBackend.Column<N> column,
      TypeSerializer<UK> keys,
      TypeSerializer<UV> values) {
    this.backend = backend;
    this.column = column;
    this.keys = keys;
    this.values = values;
  }

  private byte[] userKey(N namespace, UK key) {
    return backend.userEntryKey(column, namespace, keys, key);
  }

  @Override
  public UV get(N namespace, UK key) {
    byte[] bytes = backend.get(column, userKey(namespace, key));
    return bytes == null ? null : backend.deserialize(values, bytes, 0, bytes.length);
  }

  @Override
  public void put(N namespace, UK key, UV value) {
    backend.put(column, userKey(namespace, key), values, value);
  }

  @Override
  public void remove(N namespace, UK key) {
    backend.delete(column, userKey(namespace, key));
  }

  @Override
  public boolean contains(N namespace, UK key) {
    return backend.get(column, userKey(namespace, key)) != null;
  }

  @Override
  public Iterable<Map.Entry<UK, UV>> entries(N namespace) {
    byte[] prefix = backend.entryKey(column, namespace);
    List<Map.Entry<UK, UV>> entries = new ArrayList<>();
    backend.scan(
        column,
        prefix,
        (k, v) ->
            entries.add(
                new AbstractMap.SimpleImmutableEntry<>(
                    backend.deserialize(keys, k, prefix.length, k.length - prefix.length),
                    backend.deserialize(values, v, 0, v.length))));
    return entries;
  }

  @Override
  public boolean isEmpty(N namespace) {
    return !backend.anyWithPrefix(column, backend.entryKey(column, namespace));
  }

  @Override
  public void clear(N namespace) {
    backend.deletePrefix(column, backend.entryKey(column, namespace));
  }
}
