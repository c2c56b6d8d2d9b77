package dev.weir.state;

/** One value per key and namespace. The key is the backend's current key. */
public interface ValueState<N, V> {

  /** The value, or {@code null} when none was set. */
  V value(N namespace);

  void update(N namespace, V value);

  void clear(N namespace);
}
