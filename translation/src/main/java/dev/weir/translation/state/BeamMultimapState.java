package dev.weir.translation.state;

import dev.weir.state.MapState;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.state.MultimapState;
import org.apache.beam.sdk.state.ReadableState;

/**
 * Beam's MultimapState on an engine map state: structural key → the key's values. A key's list is
 * replaced, never changed in place, so a snapshot in progress keeps its own.
 */
final class BeamMultimapState<K, V> extends EngineBackedState implements MultimapState<K, V> {

  private final MapState<String, StructuralKey<K>, List<V>> state;
  private final Coder<K> keyCoder;
  private final String namespace;

  BeamMultimapState(
      MapState<String, StructuralKey<K>, List<V>> state, Coder<K> keyCoder, String namespace) {
    super(state, namespace);
    this.state = state;
    this.keyCoder = keyCoder;
    this.namespace = namespace;
  }

  @Override
  public void put(K key, V value) {
    StructuralKey<K> k = StructuralKey.of(keyCoder, key);
    List<V> old = state.get(namespace, k);
    List<V> values = old == null ? new ArrayList<>(2) : new ArrayList<>(old);
    values.add(value);
    state.put(namespace, k, values);
  }

  @Override
  public ReadableState<Iterable<V>> get(K key) {
    return Readables.of(
        () -> {
          List<V> values = state.get(namespace, StructuralKey.of(keyCoder, key));
          return values == null ? List.of() : List.copyOf(values);
        });
  }

  @Override
  public void remove(K key) {
    state.remove(namespace, StructuralKey.of(keyCoder, key));
  }

  @Override
  public ReadableState<Iterable<K>> keys() {
    return Readables.of(
        () -> {
          List<K> keys = new ArrayList<>();
          for (Map.Entry<StructuralKey<K>, List<V>> e : state.entries(namespace)) {
            keys.add(e.getKey().key);
          }
          return keys;
        });
  }

  @Override
  public ReadableState<Iterable<Map.Entry<K, V>>> entries() {
    return Readables.of(
        () -> {
          List<Map.Entry<K, V>> entries = new ArrayList<>();
          for (Map.Entry<StructuralKey<K>, List<V>> e : state.entries(namespace)) {
            for (V v : e.getValue()) {
              entries.add(new AbstractMap.SimpleImmutableEntry<>(e.getKey().key, v));
            }
          }
          return entries;
        });
  }

  @Override
  public ReadableState<Boolean> containsKey(K key) {
    return Readables.of(() -> state.contains(namespace, StructuralKey.of(keyCoder, key)));
  }

  @Override
  public ReadableState<Boolean> isEmpty() {
    return Readables.of(() -> state.isEmpty(namespace));
  }

  @Override
  public void clear() {
    state.clear(namespace);
  }
}
