package dev.weir.translation.state;

import org.apache.beam.runners.core.StateNamespace;
import org.apache.beam.runners.core.StateNamespaces;

/**
 * Beam state namespaces' string keys, with a small cache in front: a window namespace's key is its
 * window encoded and in Base64, and runners-core's ReduceFnRunner asks for it on every state and
 * timer access, several times per element (it was a quarter of a windowed GroupByKey's time).
 * Direct-mapped by hash: bounded, whatever the number of windows. Namespaces are equal exactly when
 * their windows' structural values are, which is when their encodings are. Single-threaded.
 */
final class NamespaceKeys {

  private static final int SLOTS = 256;

  private final StateNamespace[] namespaces = new StateNamespace[SLOTS];
  private final String[] keys = new String[SLOTS];

  /** The window and window coder of the last window namespace, and its key. */
  private Object lastWindow;

  private Object lastWindowCoder;
  private String lastWindowKey;

  /**
   * The instance of {@code namespace} seen last in its slot (equal to it): objects kept per key (a
   * timer's namespace) can share it instead of each holding its own copy.
   */
  StateNamespace canonical(StateNamespace namespace) {
    of(namespace);
    return namespaces[namespace.hashCode() & (SLOTS - 1)];
  }

  String of(StateNamespace namespace) {
    if (namespace instanceof StateNamespaces.WindowNamespace<?> w) {
      // The same window object and coder as last time (the global window, say, for every element
      // of a stateful DoFn): the same key, found without hashing (which allocates) or comparing.
      Object window = w.getWindow();
      Object coder = w.getWindowCoder();
      if (window == lastWindow && coder == lastWindowCoder) {
        return lastWindowKey;
      }
      String key = cached(namespace);
      lastWindow = window;
      lastWindowCoder = coder;
      lastWindowKey = key;
      return key;
    }
    return cached(namespace);
  }

  private String cached(StateNamespace namespace) {
    int slot = namespace.hashCode() & (SLOTS - 1);
    StateNamespace cached = namespaces[slot];
    if (cached != null && (cached == namespace || cached.equals(namespace))) {
      return keys[slot];
    }
    String key = namespace.stringKey();
    namespaces[slot] = namespace;
    keys[slot] = key;
    return key;
  }
}
