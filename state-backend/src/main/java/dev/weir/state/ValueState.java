package dev.weir.state;

/** One value per key and namespace. The key is the backend's current key. */
public interface ValueState<N, V> {

  /** The value, or {@code null} when none was set. */
  V value(N namespace);

  /**
   * The value, to be changed in place and then passed to {@link #update}: unlike {@link #value},
   * the returned object is not shared with a snapshot in progress.
   */
  default V valueForUpdate(N namespace) {
    return value(namespace);
  }

  void update(N namespace, V value);

  void clear(N namespace);
}
