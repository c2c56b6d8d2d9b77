package dev.weir.state;

import java.util.Map;

/**
 * A map per key and namespace. Ownership as for {@link ValueState}: values read belong to the
 * caller, values put belong to the state.
 */
public interface MapState<N, K, V> {

  V get(N namespace, K key);

  void put(N namespace, K key, V value);

  void remove(N namespace, K key);

  boolean contains(N namespace, K key);

  /**
   * The entries, possibly a live unmodifiable view (valid until the state is next changed); empty
   * (never {@code null}) when there are none.
   */
  Iterable<Map.Entry<K, V>> entries(N namespace);

  boolean isEmpty(N namespace);

  void clear(N namespace);
}
