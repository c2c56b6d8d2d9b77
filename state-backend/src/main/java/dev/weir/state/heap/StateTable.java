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

  /** Stands for "no namespace used yet" in {@link #lastNamespace} (null is a namespace). */
  private static final Object UNUSED = new Object();

  /**
   * The namespace of the latest access: where {@link #prefetch} looks, since records of one key in
   * a row mostly use the same one (the global window, the current fixed window).
   */
  private Object lastNamespace = UNUSED;

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
    lastNamespace = namespace;
    CopyOnWriteStateMap<K, N, S> map = map(keyGroup);
    return map == null ? null : map.get(key, namespace);
  }

  /** The state only to look at (for example whether a list is empty), or {@code null}. */
  S peek(int keyGroup, K key, N namespace) {
    CopyOnWriteStateMap<K, N, S> map = map(keyGroup);
    return map == null ? null : map.peek(key, namespace);
  }

  void put(int keyGroup, K key, N namespace, S state) {
    lastNamespace = namespace;
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

  /**
   * Loads the entries of {@code keys[0 .. count)} (in {@code keyGroups}, -1 for none) under the
   * latest namespace, with their keys and states, in stages across all keys so the cache misses of
   * different keys overlap. {@code entries} and {@code refs} are scratch of at least {@code count}
   * and {@code 2 * count} slots, left empty.
   */
  @SuppressWarnings("unchecked")
  void prefetch(Object[] keys, int[] keyGroups, int count, Object[] entries, Object[] refs) {
    Object namespace = lastNamespace;
    if (namespace == UNUSED) {
      return;
    }
    int start = range.start();
    for (int i = 0; i < count; i++) {
      int keyGroup = keyGroups[i];
      CopyOnWriteStateMap<K, N, S> map = keyGroup < 0 ? null : maps[keyGroup - start];
      entries[i] = map == null ? null : map.bucketHead((K) keys[i], (N) namespace);
    }
    CopyOnWriteStateMap.prefetchEntries(entries, count, refs);
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
