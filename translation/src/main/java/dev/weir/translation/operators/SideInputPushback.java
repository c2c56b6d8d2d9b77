package dev.weir.translation.operators;

import dev.weir.translation.wire.KeyBytes;
import java.util.ArrayList;
import java.util.List;
import org.apache.beam.sdk.values.WindowedValue;

/**
 * Main-input elements (one window each) waiting for their side inputs to become ready, with the
 * keys they arrived under. A checkpoint carries them in operator state, or, for a keyed DoFn, in
 * keyed state ({@link KeyedWaitingStore}) so that they rescale with their keys. Task thread only.
 *
 * @param <T> the main input's element type
 */
final class SideInputPushback<T> {

  private List<KeyedElement<T>> waiting = new ArrayList<>();

  /** Non-null for a keyed DoFn: where the waiting elements go at a snapshot. */
  private KeyedWaitingStore<T> keyedStore;

  /**
   * Keeps the waiting elements in keyed state from now on, and takes back what a restore put there.
   */
  void storeInKeyedState(KeyedWaitingStore<T> store) throws Exception {
    keyedStore = store;
    waiting.addAll(store.load());
  }

  void add(KeyBytes key, WindowedValue<T> value) {
    waiting.add(new KeyedElement<>(key, value));
  }

  void addAll(List<KeyedElement<T>> elements) {
    waiting.addAll(elements);
  }

  boolean isEmpty() {
    return waiting.isEmpty();
  }

  int size() {
    return waiting.size();
  }

  /** The earliest timestamp waiting, or {@link Long#MAX_VALUE}: event time must not pass it. */
  long earliestTimestamp() {
    long earliest = Long.MAX_VALUE;
    for (KeyedElement<T> e : waiting) {
      earliest = Math.min(earliest, e.value().getTimestamp().getMillis());
    }
    return earliest;
  }

  /** Removes and returns everything waiting, to offer it again. */
  List<KeyedElement<T>> takeAll() {
    List<KeyedElement<T>> taken = waiting;
    waiting = new ArrayList<>();
    return taken;
  }

  /**
   * What the operator state must carry at a snapshot: the waiting elements, or nothing once they
   * were stored in keyed state (called right before keyed state is snapshotted).
   */
  List<KeyedElement<T>> forOperatorState() {
    if (keyedStore != null) {
      keyedStore.store(waiting);
      return List.of();
    }
    return waiting;
  }
}
