package dev.weir.state.rocksdb;

import dev.weir.state.ListState;
import dev.weir.state.serialization.TypeSerializer;
import java.util.ArrayList;
import java.util.List;

/**
 * List state in RocksDB: one entry per (key, namespace) holding the elements, each as a 4-byte
 * length and its bytes; adding is a RocksDB merge (string append with a one-byte delimiter), so it
 * does not read the list.
 */
final class RocksDbListState<N, E> implements ListState<N, E> {

  private final RocksDbKeyedStateBackend<?> backend;
  private final RocksDbKeyedStateBackend.Column<N> column;
  private final TypeSerializer<E> elements;

  RocksDbListState(
      RocksDbKeyedStateBackend<?> backend,
      RocksDbKeyedStateBackend.Column<N> column,
      TypeSerializer<E> elements) {
    this.backend = backend;
    this.column = column;
    this.elements = elements;
  }

  /** The elements' byte ranges in a stored list: {offset, length} pairs. */
  static List<int[]> ranges(byte[] stored) {
    List<int[]> ranges = new ArrayList<>();
    int p = 0;
    while (p + 4 <= stored.length) {
      int length =
          ((stored[p] & 0xFF) << 24)
              | ((stored[p + 1] & 0xFF) << 16)
              | ((stored[p + 2] & 0xFF) << 8)
              | (stored[p + 3] & 0xFF);
      ranges.add(new int[] {p + 4, length});
      p += 4 + length + 1; // the merge operator's delimiter follows every element but the last
    }
    return ranges;
  }

  @Override
  public List<E> get(N namespace) {
    byte[] stored = backend.get(column, backend.entryKey(column, namespace));
    if (stored == null) {
      return List.of();
    }
    List<E> result = new ArrayList<>();
    for (int[] r : ranges(stored)) {
      result.add(backend.deserialize(elements, stored, r[0], r[1]));
    }
    return result;
  }

  @Override
  public void add(N namespace, E element) {
    backend.mergeFramed(column, backend.entryKey(column, namespace), elements, element);
  }

  @Override
  public void addAll(N namespace, List<? extends E> list) {
    byte[] key = backend.entryKey(column, namespace);
    for (E e : list) {
      backend.mergeFramed(column, key, elements, e);
    }
  }

  @Override
  public void update(N namespace, List<? extends E> list) {
    clear(namespace);
    addAll(namespace, list);
  }

  @Override
  public boolean isEmpty(N namespace) {
    return backend.get(column, backend.entryKey(column, namespace)) == null;
  }

  @Override
  public void clear(N namespace) {
    backend.delete(column, backend.entryKey(column, namespace));
  }
}
