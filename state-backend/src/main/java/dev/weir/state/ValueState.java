package dev.weir.state;

/**
 * One value per key and namespace. The key is the backend's current key.
 *
 * <p>Ownership, as in Beam: the object {@link #value} returns belongs to the caller, who may change
 * it in place and write it back with {@link #update} (no snapshot taken meanwhile sees such
 * changes; whether state sees them before the update depends on the backend). The object passed to
 * {@link #update} belongs to the state from then on: change it again only after reading it back.
 */
public interface ValueState<N, V> {

  /** The value, or {@code null} when none was set. */
  V value(N namespace);

  void update(N namespace, V value);

  void clear(N namespace);
}
