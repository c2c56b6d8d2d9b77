package dev.weir.state.heap;

import dev.weir.state.KeyGroupRange;
import dev.weir.state.StateSpec;

/**
 * The heap storage of one named state: a {@link CopyOnWriteStateMap} of (key, namespace) → state
 * object per key group, made on the key group's first write. Key groups are kept apart because
 * snapshots are written, and restored after a rescale, per key group.
 *
 * @param <S> what is stored per key and namespace: the value, an ArrayList or a HashMap
 */
final class StateTable<K, N, S> {

  final StateSpec<N, ?> spec;
  private final KeyGroupRange range;
  private final SnapshotVersions versions;
  private final CopyOnWriteStateMap.StateCopier<S> copier;
  private final CopyOnWriteStateMap<K, N, S>[] maps;

  @SuppressWarnings("unchecked")
  StateTable(StateSpec<N, ?> spec, KeyGroupRange range, SnapshotVersions versions) {
    this.spec = spec;
    this.range = range;
    this.versions = versions;
    this.copier = StateCopiers.forSpec(spec);
    this.maps = new CopyOnWriteStateMap[Math.max(0, range.size())];
  }

  private CopyOnWriteStateMap<K, N, S> map(int keyGroup) {
    return maps[keyGroup - range.start()];
  }

  /**
   * The state to read or change in place (never an object a pending snapshot will write), or {@code
   * null}.
   */
  S get(int keyGroup, K key, N namespace) {
    CopyOnWriteStateMap<K, N, S> map = map(keyGroup);
    return map == null ? null : map.get(key, namespace);
  }

  /** The state only to look at (for example whether a list is empty), or {@code null}. */
  S peek(int keyGroup, K key, N namespace) {
    CopyOnWriteStateMap<K, N, S> map = map(keyGroup);
    return map == null ? null : map.peek(key, namespace);
  }

  void put(int keyGroup, K key, N namespace, S state) {
    int index = keyGroup - range.start();
    CopyOnWriteStateMap<K, N, S> map = maps[index];
    if (map == null) {
      map = new CopyOnWriteStateMap<>(versions, copier);
      maps[index] = map;
    }
    map.put(key, namespace, state);
  }

  void remove(int keyGroup, K key, N namespace) {
    CopyOnWriteStateMap<K, N, S> map = map(keyGroup);
    if (map != null) {
      map.remove(key, namespace);
    }
  }

  /** The entries of a key group now, for a snapshot just started; {@code null} when it has none. */
  CopyOnWriteStateMap.Snapshot<K, N, S> snapshot(int keyGroup) {
    CopyOnWriteStateMap<K, N, S> map = map(keyGroup);
    return map == null || map.size() == 0 ? null : map.snapshot();
  }

  /**
   * Calls {@code consumer} for every (key, namespace) of a key group; it must not add or remove
   * entries.
   */
  <E extends Exception> void forEach(
      int keyGroup, CopyOnWriteStateMap.EntryConsumer<K, N, S, E> consumer) throws E {
    CopyOnWriteStateMap<K, N, S> map = map(keyGroup);
    if (map != null) {
      map.forEach(consumer);
    }
  }

  int entryCount() {
    int n = 0;
    for (CopyOnWriteStateMap<K, N, S> map : maps) {
      if (map != null) {
        n += map.size();
      }
    }
    return n;
  }
}
