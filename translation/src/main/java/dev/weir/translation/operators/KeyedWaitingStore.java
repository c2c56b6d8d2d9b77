package dev.weir.translation.operators;

import dev.weir.engine.operator.OperatorContext;
import dev.weir.state.ListState;
import dev.weir.state.StateSpec;
import dev.weir.state.serialization.Serializers;
import dev.weir.state.serialization.TypeSerializer;
import dev.weir.translation.wire.KeyBytes;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.beam.sdk.values.WindowedValue;

/**
 * Where a keyed DoFn's elements waiting for side inputs go at a snapshot: keyed state, one list per
 * key, so a savepoint resumed at another parallelism hands them to the subtasks owning their keys.
 * The operator keeps working on its in-memory list; each snapshot replaces what the previous one
 * stored.
 *
 * @param <T> the main input's element type
 */
final class KeyedWaitingStore<T> {

  private final OperatorContext<?> context;
  private final StateSpec<Void, ListState<Void, WindowedValue<T>>> spec;
  private Set<KeyBytes> keysInState = Set.of();

  KeyedWaitingStore(OperatorContext<?> context, TypeSerializer<WindowedValue<T>> elements) {
    this.context = context;
    // Waiting input elements are never changed (Beam forbids changing inputs): snapshots may share
    // them.
    this.spec =
        StateSpec.list(
            "beam-side-input-waiting", Serializers.VOID, Serializers.asImmutable(elements));
  }

  /**
   * Replaces what the last snapshot stored with {@code waiting}; call right before keyed state is
   * snapshotted.
   */
  void store(List<KeyedElement<T>> waiting) {
    for (KeyBytes key : keysInState) {
      context.keyedStateBackend().setCurrentKey(key);
      context.state(spec).clear(null);
    }
    Set<KeyBytes> keys = new HashSet<>();
    for (KeyedElement<T> e : waiting) {
      context.keyedStateBackend().setCurrentKey(e.key());
      context.state(spec).add(null, e.value());
      keys.add(e.key());
    }
    keysInState = keys;
  }

  /** Removes and returns what a restored snapshot stored (of this subtask's key groups). */
  List<KeyedElement<T>> load() throws Exception {
    List<Object> keys = new ArrayList<>();
    context.keyedStateBackend().forEachEntry(spec, (key, none) -> keys.add(key));
    List<KeyedElement<T>> loaded = new ArrayList<>();
    for (Object key : keys) {
      context.keyedStateBackend().setCurrentKey(key);
      ListState<Void, WindowedValue<T>> waiting = context.state(spec);
      for (WindowedValue<T> w : waiting.get(null)) {
        loaded.add(new KeyedElement<>((KeyBytes) key, w));
      }
      waiting.clear(null);
    }
    return loaded;
  }
}
