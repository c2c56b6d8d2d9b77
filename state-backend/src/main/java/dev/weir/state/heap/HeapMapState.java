package dev.weir.state.heap;

import dev.weir.state.MapState;
import java.util.Collections;
import java.util.HashMap;
import java.util.Map;

final class HeapMapState<K, N, UK, UV> implements MapState<N, UK, UV> {

  private final HeapKeyedStateBackend<K> backend;
  private final StateTable<K, N, HashMap<UK, UV>> table;

  HeapMapState(HeapKeyedStateBackend<K> backend, StateTable<K, N, HashMap<UK, UV>> table) {
    this.backend = backend;
    this.table = table;
  }

  /**
   * The map, owned by the task (its values may be handed out and changed in place), or {@code
   * null}.
   */
  private HashMap<UK, UV> map(N namespace) {
    return table.get(backend.currentKeyGroup(), backend.currentKey(), namespace);
  }

  /** The map only to look at (it may be shared with a pending snapshot), or {@code null}. */
  private HashMap<UK, UV> peek(N namespace) {
    return table.peek(backend.currentKeyGroup(), backend.currentKey(), namespace);
  }

  @Override
  public UV get(N namespace, UK key) {
    HashMap<UK, UV> map = map(namespace);
    return map == null ? null : map.get(key);
  }

  @Override
  public void put(N namespace, UK key, UV value) {
    HashMap<UK, UV> map = map(namespace);
    if (map == null) {
      // Most maps per key and namespace stay small (Beam's timers of a key, say): a table of two
      // slots instead of sixteen saves 64 bytes per key, the table grows as usual.
      map = new HashMap<>(2);
      table.put(backend.currentKeyGroup(), backend.currentKey(), namespace, map);
    }
    map.put(key, value);
  }

  @Override
  public void remove(N namespace, UK key) {
    HashMap<UK, UV> map = peek(namespace);
    if (map != null && map.containsKey(key)) {
      map = map(namespace);
      map.remove(key);
      if (map.isEmpty()) {
        clear(namespace);
      }
    }
  }

  @Override
  public boolean contains(N namespace, UK key) {
    HashMap<UK, UV> map = peek(namespace);
    return map != null && map.containsKey(key);
  }

  @Override
  public Iterable<Map.Entry<UK, UV>> entries(N namespace) {
    HashMap<UK, UV> map = map(namespace);
    return map == null ? Collections.emptySet() : Collections.unmodifiableMap(map).entrySet();
  }

  @Override
  public boolean isEmpty(N namespace) {
    HashMap<UK, UV> map = peek(namespace);
    return map == null || map.isEmpty();
  }

  @Override
  public void clear(N namespace) {
    table.remove(backend.currentKeyGroup(), backend.currentKey(), namespace);
  }
}
