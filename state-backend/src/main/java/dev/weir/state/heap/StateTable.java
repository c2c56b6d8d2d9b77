package dev.weir.state.heap;

import dev.weir.state.KeyGroupRange;
import dev.weir.state.StateSpec;
import java.util.HashMap;
import java.util.Map;

/**
 * The heap storage of one named state: per key group, namespace → key → state object. The
 * namespace is the outer map because most operators use one namespace (or few windows) for many
 * keys, so a lookup is two hash probes and allocates nothing.
 *
 * @param <S> what is stored per key and namespace: the value, an ArrayList or a HashMap
 */
final class StateTable<K, N, S> {

  final StateSpec<N, ?> spec;
  private final KeyGroupRange range;
  private final HashMap<N, HashMap<K, S>>[] groups;

  @SuppressWarnings("unchecked")
  StateTable(StateSpec<N, ?> spec, KeyGroupRange range) {
    this.spec = spec;
    this.range = range;
    this.groups = new HashMap[Math.max(0, range.size())];
  }

  S get(int keyGroup, K key, N namespace) {
    HashMap<N, HashMap<K, S>> byNamespace = groups[keyGroup - range.start()];
    if (byNamespace == null) {
      return null;
    }
    HashMap<K, S> byKey = byNamespace.get(namespace);
    return byKey == null ? null : byKey.get(key);
  }

  void put(int keyGroup, K key, N namespace, S state) {
    int index = keyGroup - range.start();
    HashMap<N, HashMap<K, S>> byNamespace = groups[index];
    if (byNamespace == null) {
      byNamespace = new HashMap<>();
      groups[index] = byNamespace;
    }
    HashMap<K, S> byKey = byNamespace.get(namespace);
    if (byKey == null) {
      byKey = new HashMap<>();
      byNamespace.put(namespace, byKey);
    }
    byKey.put(key, state);
  }

  void remove(int keyGroup, K key, N namespace) {
    HashMap<N, HashMap<K, S>> byNamespace = groups[keyGroup - range.start()];
    if (byNamespace == null) {
      return;
    }
    HashMap<K, S> byKey = byNamespace.get(namespace);
    if (byKey != null && byKey.remove(key) != null && byKey.isEmpty()) {
      byNamespace.remove(namespace);
    }
  }

  /** Namespace → key → state of one key group, or {@code null} when it holds nothing. */
  Map<N, HashMap<K, S>> keyGroup(int keyGroup) {
    return groups[keyGroup - range.start()];
  }

  int entryCount() {
    int n = 0;
    for (HashMap<N, HashMap<K, S>> byNamespace : groups) {
      if (byNamespace != null) {
        for (HashMap<K, S> byKey : byNamespace.values()) {
          n += byKey.size();
        }
      }
    }
    return n;
  }
}
