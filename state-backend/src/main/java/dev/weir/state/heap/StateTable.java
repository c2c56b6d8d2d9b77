package dev.weir.state.heap;

import dev.weir.state.KeyGroupRange;
import dev.weir.state.StateSpec;
import java.util.ArrayList;
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
  /**
   * Key groups whose maps a snapshot still reads: the first write copies them (copy-on-write per
   * key group), so taking a snapshot costs a pass over the key groups, not over the entries.
   */
  private final boolean[] shared;

  @SuppressWarnings("unchecked")
  StateTable(StateSpec<N, ?> spec, KeyGroupRange range) {
    this.spec = spec;
    this.range = range;
    this.groups = new HashMap[Math.max(0, range.size())];
    this.shared = new boolean[groups.length];
  }

  /** The state object to modify in place (a list or map), copied first if a snapshot shares it. */
  S getForUpdate(int keyGroup, K key, N namespace) {
    ensureOwned(keyGroup - range.start());
    return get(keyGroup, key, namespace);
  }

  @SuppressWarnings("unchecked")
  private S copyValue(S value) {
    try {
      return ((dev.weir.state.serialization.TypeSerializer<S>) spec.firstSerializer()).copy(value);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException("cannot copy a value of " + spec + " for a snapshot", e);
    }
  }

  /** The namespace → key → state map of a key group, frozen for a snapshot until its next write. */
  Map<N, HashMap<K, S>> capture(int keyGroup) {
    int index = keyGroup - range.start();
    HashMap<N, HashMap<K, S>> byNamespace = groups[index];
    if (byNamespace != null) {
      shared[index] = true;
    }
    return byNamespace;
  }

  @SuppressWarnings("unchecked")
  private void ensureOwned(int index) {
    if (!shared[index]) {
      return;
    }
    shared[index] = false;
    HashMap<N, HashMap<K, S>> old = groups[index];
    if (old == null) {
      return;
    }
    HashMap<N, HashMap<K, S>> copy = new HashMap<>(Math.max(16, old.size() * 2));
    for (Map.Entry<N, HashMap<K, S>> ns : old.entrySet()) {
      HashMap<K, S> byKey = new HashMap<>(Math.max(16, (int) (ns.getValue().size() / 0.75f) + 1));
      for (Map.Entry<K, S> e : ns.getValue().entrySet()) {
        S value = e.getValue();
        // Lists and maps are changed in place later, so the snapshot needs its own (their elements are
        // never changed in place); a value may be (an accumulator), so it is copied by its serializer.
        if (spec.kind() == StateSpec.Kind.LIST) {
          value = (S) new ArrayList<>((ArrayList<?>) value);
        } else if (spec.kind() == StateSpec.Kind.MAP) {
          value = (S) new HashMap<>((HashMap<?, ?>) value);
        } else {
          value = copyValue(value);
        }
        byKey.put(e.getKey(), value);
      }
      copy.put(ns.getKey(), byKey);
    }
    groups[index] = copy;
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
    ensureOwned(index);
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
    int index = keyGroup - range.start();
    ensureOwned(index);
    HashMap<N, HashMap<K, S>> byNamespace = groups[index];
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
